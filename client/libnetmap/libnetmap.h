/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libnetmap.h - open netmap ports by name: netmap's libnetmap API (nmctx,
 * nmport_*, nmreq_*), with netmapd's fallback for unprivileged processes.
 *
 *	struct nmport_d *d = nmport_open("netmap:eth0-1/x");
 *	if (!d) ...;                       // errno set, one message sent to the
 *	                                   // context's error callback
 *	struct netmap_ring *tx = NETMAP_TXRING(d->nifp, d->first_tx_ring);
 *	...
 *	nmport_close(d);
 *
 * The steps compose: open = prepare + open_desc; prepare = new + parse;
 * open_desc = register + mmap; each has an undo_*. Between prepare and
 * open_desc a caller may edit d->reg (nr_mode, nr_ringid, nr_flags, counts).
 *
 * ERRORS: every failing nmport_* / nmreq_* call returns -1 (or NULL), sets
 * errno (EINVAL for syntax, ENOMEM for memory, else the failing call's errno)
 * and sends exactly one message to ctx->error (stderr by default).
 *
 * NETMAPD (not in netmap's library): when this process was handed ports by
 * netmapd (`nmctl exec --port vale0:vm1 -- prog`, LISTEN_FDS + NMD_PORTS) a
 * REGISTER of the same port takes the handed descriptor; when /dev/netmap
 * cannot be opened (EACCES, EPERM, ENOENT, ENODEV), the port is asked of
 * netmapd over its socket ($NETMAPD_SOCKET, default
 * /run/netmapd/netmapd.sock), whose configuration decides. $NMD_FALLBACK:
 * "on" (default), "handed" (handed ports only, never the socket) or "off".
 * See libnetmap(3).
 */
#ifndef LIBNETMAP_H
#define LIBNETMAP_H

#include <stddef.h>
#include <stdint.h>
#include <net/netmap_user.h>

#ifdef __cplusplus
extern "C" {
#endif

struct nmctx;
struct nmport_cleanup_d;

/* A memory region mapped in this process; one per mem_id and context. */
struct nmem_d {
	uint16_t mem_id;
	int refcount;		/* ports of the context mapping it */
	void *mem;
	size_t size;
	int is_extmem;		/* user memory: never unmapped here */
	struct nmem_d *next, *prev;
};

/* A port: the request, then (after register/mmap) the fd and the rings. */
struct nmport_d {
	struct nmreq_header hdr;	/* hdr.nr_body points at reg */
	struct nmreq_register reg;
	struct nmem_d *mem;		/* equal pointers <=> shared region */
	struct nmctx *ctx;		/* the default context at creation */
	int register_done;
	int mmap_done;
	struct nmreq_opt_extmem *extmem;
	int fd;				/* -1 when not registered */
	struct netmap_if *nifp;
	/* Bound rings, inclusive; an empty range has first = last + 1. */
	uint16_t first_tx_ring, last_tx_ring;
	uint16_t first_rx_ring, last_rx_ring;
	uint16_t cur_tx_ring, cur_rx_ring;
	struct nmport_cleanup_d *clist;	/* undo actions, last in first out */
};

/* -- Contexts ---------------------------------------------------------------- */

typedef void (*nmctx_error_cb)(struct nmctx *, const char *);
typedef void *(*nmctx_malloc_cb)(struct nmctx *, size_t);
typedef void (*nmctx_free_cb)(struct nmctx *, void *);
typedef void (*nmctx_lock_cb)(struct nmctx *, int lock);	/* 1 lock, 0 unlock */

struct nmctx {
	int verbose;		/* 0: no messages at all */
	nmctx_error_cb error;
	nmctx_malloc_cb malloc;
	nmctx_free_cb free;
	nmctx_lock_cb lock;	/* NULL: no locking */
	struct nmem_d *mem_descs;
};

struct nmctx *nmctx_get(void);
struct nmctx *nmctx_set_default(struct nmctx *ctx);	/* returns the old one */
void nmctx_set_threadsafe(void);
void nmctx_ferror(struct nmctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void *nmctx_malloc(struct nmctx *ctx, size_t sz);
void nmctx_free(struct nmctx *ctx, void *p);
void nmctx_lock(struct nmctx *ctx);
void nmctx_unlock(struct nmctx *ctx);

/*
 * Including this header links the thread-safe default context in (a mutex
 * as ctx->lock), unless LIBNETMAP_NOTHREADSAFE is defined first.
 */
extern int nmctx_threadsafe;
#ifndef LIBNETMAP_NOTHREADSAFE
static __attribute__((used)) void libnetmap_init(void)
{
	nmctx_threadsafe = 1;
}
#endif

/* -- Ports ------------------------------------------------------------------- */

struct nmport_d *nmport_open(const char *portspec);
void nmport_close(struct nmport_d *d);

struct nmport_d *nmport_new(void);
void nmport_delete(struct nmport_d *d);
int nmport_parse(struct nmport_d *d, const char *portspec);
void nmport_undo_parse(struct nmport_d *d);
struct nmport_d *nmport_prepare(const char *portspec);
void nmport_undo_prepare(struct nmport_d *d);
int nmport_register(struct nmport_d *d);
void nmport_undo_register(struct nmport_d *d);
int nmport_mmap(struct nmport_d *d);
void nmport_undo_mmap(struct nmport_d *d);
int nmport_open_desc(struct nmport_d *d);
void nmport_undo_open_desc(struct nmport_d *d);
struct nmport_d *nmport_clone(struct nmport_d *d);

/* pcap_inject(): copy one packet into the TX rings; size, or 0 if no room. */
int nmport_inject(struct nmport_d *d, const void *buf, size_t size);

/* Options of the REGISTER request (before nmport_register()). */
int nmport_extmem(struct nmport_d *d, void *base, size_t size);
int nmport_extmem_from_file(struct nmport_d *d, const char *fname);
struct nmreq_pools_info *nmport_extmem_getinfo(struct nmport_d *d);
int nmport_offset(struct nmport_d *d, uint64_t initial, uint64_t maxoff, uint64_t bits,
		  uint64_t mingap);

/* "share", "extmem", "conf", "offset" (off by default). Not thread-safe. */
void nmport_disable_option(const char *opt);
int nmport_enable_option(const char *opt);

/*
 * netmapd extension: the port name ("vale0:vm1", or "netmap:eth1" for an
 * interface) of the port handed to this process under fd label or port
 * name @label, ready for nmport_open(); NULL with errno ENOENT when none
 * was handed. The string lives as long as the process.
 */
const char *nmport_handed_name(const char *label);

/* -- Request helpers --------------------------------------------------------- */

#define NMREQ_OPT_MAXKEYS 16

struct nmreq_opt_key {
	const char *key;
	int id;
	unsigned flags;
};
#define NMREQ_OPTK_ALLOWEMPTY	(1U << 0)
#define NMREQ_OPTK_MUSTSET	(1U << 1)
#define NMREQ_OPTK_DEFAULT	(1U << 2)

struct nmreq_parse_ctx;
typedef int (*nmreq_opt_parser_cb)(struct nmreq_parse_ctx *);

struct nmreq_opt_parser {
	const char *prefix;
	nmreq_opt_parser_cb parse;
	int default_key;
	int nr_keys;
	unsigned flags;
	struct nmreq_opt_parser *next;
	struct nmreq_opt_key keys[NMREQ_OPT_MAXKEYS];
} __attribute__((aligned(16)));
#define NMREQ_OPTF_DISABLED	(1U << 0)
#define NMREQ_OPTF_ALLOWEMPTY	(1U << 1)

struct nmreq_parse_ctx {
	struct nmctx *ctx;
	void *token;
	const char *keys[NMREQ_OPT_MAXKEYS];	/* value of key id i, or NULL */
};

void nmreq_header_init(struct nmreq_header *h, uint16_t reqtype, void *body);
int nmreq_header_decode(const char **pspec, struct nmreq_header *h, struct nmctx *ctx);
int nmreq_register_decode(const char **pmode, struct nmreq_register *r, struct nmctx *ctx);
int nmreq_options_decode(const char *opt, struct nmreq_opt_parser *parsers, void *token,
			 struct nmctx *ctx);
int32_t nmreq_get_mem_id(const char **portname, struct nmctx *ctx);
void nmreq_push_option(struct nmreq_header *h, struct nmreq_option *o);
void nmreq_remove_option(struct nmreq_header *h, struct nmreq_option *o);
struct nmreq_option *nmreq_find_option(struct nmreq_header *h, uint32_t type);
void nmreq_free_options(struct nmreq_header *h);
const char *nmreq_option_name(uint32_t type);

#define nmreq_foreach_option(h_, o_) \
	for ((o_) = (struct nmreq_option *)(uintptr_t)((h_)->nr_options); (o_) != NULL; \
	     (o_) = (struct nmreq_option *)(uintptr_t)((o_)->nro_next))

#ifdef __cplusplus
}
#endif

#endif /* LIBNETMAP_H */
