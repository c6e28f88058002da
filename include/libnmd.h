/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libnmd - talk to netmapd and use the netmap ports it hands out.
 *
 *	struct nmd_error e;
 *	struct nmd_port *p;
 *	struct nmd_client *c = nmd_connect(NULL, &r);
 *	if (!c) ...;                                    // r: -ENOENT, -EACCES, ...
 *	r = nmd_port_open(c, "vale0:vm1", NULL, &p, &e);
 *	if (r == -EREMOTEIO) fprintf(stderr, "%s\n", e.message);
 *	struct netmap_ring *tx = NETMAP_TXRING(p->nifp, 0); // ready at once
 *	...
 *	nmd_port_close(c, p);
 *	nmd_disconnect(c);
 *
 * A program started by `nmctl exec --port vale0:vm1 -- prog` (or by systemd
 * with the same variables) does not connect at all:
 *
 *	struct nmd_port **ports; size_t n;
 *	if (nmd_ports_from_env(&ports, &n) < 0 || n == 0) ...;
 *	struct nmd_port *p = nmd_ports_find(ports, n, "vale0.vm1");
 *	...
 *	nmd_ports_free(ports, n);
 *
 * WIRE: JSON-RPC 2.0, one JSON text per line, on a SOCK_STREAM unix socket
 * (default NMD_DEFAULT_SOCKET; the environment variable NETMAPD_SOCKET
 * overrides it). Descriptors come with SCM_RIGHTS on the response line whose
 * result.fds names them (see daemon/rpc.h, "wire contract").
 *
 * ERRORS: functions return 0 (or a count) on success and a negative errno on
 * failure. When the daemon answered with a JSON-RPC error, the return value
 * is -EREMOTEIO and struct nmd_error holds its code (NMD_ERR_*) and message.
 * For local failures nmd_error.code is 0 and message says what went wrong
 * (e.g. "connection closed by netmapd in the middle of a response").
 *
 * THREADS: a struct nmd_client is not thread-safe: use it from one thread at
 * a time (calls are synchronous request/response on one socket; two threads
 * need two clients or their own lock). Ports (struct nmd_port) are
 * independent objects: once opened they do not refer to the client, and
 * different ports may be used from different threads; one ring of a port
 * must be used by one thread at a time (netmap's own rule). Nothing here
 * uses global state except nmd_ports_from_env(), which reads and unsets
 * environment variables (call it early, before threads start, like
 * sd_listen_fds(3)).
 *
 * OWNERSHIP is stated for each pointer below. Every descriptor libnmd
 * creates or receives is close-on-exec.
 */
#ifndef LIBNMD_H
#define LIBNMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <net/netmap_user.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NMD_DEFAULT_SOCKET "/run/netmapd/netmapd.sock"
#define NMD_SOCKET_ENV "NETMAPD_SOCKET"
/* Descriptors one response can carry (the daemon's RPC_MAX_FDS). */
#define NMD_MAX_FDS 16
/* Default limit of one response line: bigger lines fail with -EMSGSIZE. */
#define NMD_DEFAULT_MAX_LINE (16u * 1024 * 1024)

/* JSON-RPC error codes netmapd answers with (nmd_error.code). */
#define NMD_ERR_PARSE -32700
#define NMD_ERR_INVALID_REQUEST -32600
#define NMD_ERR_METHOD_NOT_FOUND -32601
#define NMD_ERR_INVALID_PARAMS -32602
#define NMD_ERR_INTERNAL -32603
#define NMD_ERR_PERMISSION -32001
#define NMD_ERR_NOT_FOUND -32002
#define NMD_ERR_BUSY -32003
#define NMD_ERR_CAPACITY -32004
#define NMD_ERR_KERNEL -32005
#define NMD_ERR_STATE -32006
#define NMD_ERR_UNSUPPORTED -32007
#define NMD_ERR_CONFIG -32008

struct nmd_error {
	int code;		/* NMD_ERR_* from the daemon; 0 for a local failure */
	char message[256];	/* always NUL-terminated; "" when there is no error */
	json_t *data;		/* the error's "data" member, or NULL; owned by the
				 * struct: release it with nmd_error_clear() */
};

/* Free err->data and reset the struct. Safe on a zeroed struct; NULL ignored. */
void nmd_error_clear(struct nmd_error *err);

struct nmd_client;

/*
 * Connect to netmapd. @path: the socket; NULL means $NETMAPD_SOCKET if set,
 * else NMD_DEFAULT_SOCKET (the string is copied). Returns a client owned by
 * the caller (nmd_disconnect()), or NULL with *err (may be NULL) set to a
 * negative errno: -ENOENT (no socket: is netmapd running?), -ECONNREFUSED
 * (socket file but nobody listening), -EACCES (not allowed to connect: the
 * socket is group netmap, mode 0660), -ENAMETOOLONG, -ENOMEM.
 */
struct nmd_client *nmd_connect(const char *path, int *err);

/* Close the connection and free. NULL is ignored. */
void nmd_disconnect(struct nmd_client *c);

/* The socket path in use (borrowed: valid until nmd_disconnect()). */
const char *nmd_client_path(const struct nmd_client *c);

/* The connection's descriptor, for poll() before nmd_next_event(). Borrowed. */
int nmd_client_fd(const struct nmd_client *c);

/*
 * Limits: the largest response line accepted (default NMD_DEFAULT_MAX_LINE;
 * a longer one fails the call with -EMSGSIZE and the connection is unusable
 * afterwards), and how long a call waits for its response, in milliseconds
 * (default 0: forever). A call that times out returns -ETIMEDOUT and the
 * connection is unusable afterwards (responses would be out of step).
 */
void nmd_client_set_max_line(struct nmd_client *c, size_t bytes);
void nmd_client_set_timeout(struct nmd_client *c, int ms);

/*
 * Call @method with @params (a JSON object or NULL; the reference is
 * stolen in every case) and wait for the response.
 *
 * On success, *result (if @result is non-NULL) is the result (a new
 * reference: json_decref() it), with its "fds" member removed when there
 * was one. Descriptors: @fds is an array of *nfds slots; on return *nfds
 * is the number received, in the order of the result's "fds" names (the
 * caller owns them; @nfds must not be NULL when @fds is not). A response
 * with more descriptors than slots fails with -ENOBUFS (all of them closed,
 * the stream stays usable). @fds NULL: descriptors are closed.
 *
 * Notifications (lines without "id") that arrive while waiting are kept
 * for nmd_next_event().
 *
 * Returns 0, -EREMOTEIO (a JSON-RPC error: see @err), -ECONNRESET (netmapd
 * closed the connection, also in the middle of a line), -EMSGSIZE (a line
 * over the limit), -EPROTO (not a JSON-RPC response, wrong id, descriptors
 * missing), -ETIMEDOUT, -ENOBUFS, -ENOMEM, or a socket errno. @err may be
 * NULL; when given it is cleared first and filled on every failure.
 */
int nmd_call(struct nmd_client *c, const char *method, json_t *params,
	     json_t **result, int *fds, size_t *nfds, struct nmd_error *err);

/*
 * The next notification: *method (borrowed: valid until the next call on
 * @c) and *params (a new reference, or NULL when it had none). Waits at
 * most @timeout_ms (-1: forever, 0: only what has arrived). Returns 1 when
 * one was returned, 0 on timeout, or a negative errno (-ECONNRESET when
 * netmapd went away). Subscribe first: nmd_call(c, "events.subscribe", ...).
 */
int nmd_next_event(struct nmd_client *c, const char **method, json_t **params,
		   int timeout_ms, struct nmd_error *err);

/* -- Ports ----------------------------------------------------------------- */

/*
 * A bound netmap port with its memory region mapped: the ring macros of
 * <net/netmap_user.h> work at once on nifp:
 *	NETMAP_TXRING(port->nifp, i), NETMAP_RXRING(port->nifp, i).
 * All fields are read-only for the user; the port owns fd and the mapping.
 */
struct nmd_port {
	int fd;				/* registered netmap fd: poll()/ioctl(NIOC*SYNC) it */
	char name[64];			/* "vale0:vm1" */
	char label[64];			/* fd name: nmctl exec's LABEL, else name with ':' -> '.' */
	json_t *handle;			/* the daemon's handle for port.close; NULL if unknown
					 * (ports from the environment) */
	void *mem;			/* mmap() of the whole region */
	size_t memsize;
	uint64_t offset;		/* of the netmap_if in the region */
	uint16_t mem_id;		/* ports with the same mem_id share buffers */
	struct netmap_if *nifp;		/* = NETMAP_IF(mem, offset) */
	uint32_t tx_rings, rx_rings;	/* hardware rings */
	uint32_t host_tx_rings, host_rx_rings;
	uint32_t tx_slots, rx_slots;	/* slots per ring */
};

/* Which rings port.open binds the fd to ("mode"); NMD_MODE_ALL is the default. */
enum nmd_port_mode {
	NMD_MODE_ALL = 0,	/* "all": every hardware ring */
	NMD_MODE_ONE,		/* "one": hardware ring opts.ring */
	NMD_MODE_SW,		/* "sw": the host rings */
	NMD_MODE_NIC_SW,	/* "nic_sw": hardware and host rings */
	NMD_MODE_ONE_SW,	/* "one_sw": hardware ring opts.ring and the host rings */
};

struct nmd_port_opts {
	enum nmd_port_mode mode;
	unsigned ring;		/* for NMD_MODE_ONE and NMD_MODE_ONE_SW */
	bool exclusive;		/* nobody else may bind the same rings */
};

/* The wire name of a mode ("all", ...), or NULL for an invalid value. */
const char *nmd_port_mode_name(enum nmd_port_mode mode);

/*
 * port.open @name (@opts NULL: defaults), receive the descriptor and map the
 * region. *ret is owned by the caller: nmd_port_close(). Returns 0,
 * -EREMOTEIO (the daemon refused: NMD_ERR_PERMISSION when @name's access
 * list does not hold the caller, NMD_ERR_NOT_FOUND, NMD_ERR_BUSY, ...), an
 * nmd_call() error, or an mmap() errno. On failure nothing is left open.
 */
int nmd_port_open(struct nmd_client *c, const char *name,
		  const struct nmd_port_opts *opts, struct nmd_port **ret,
		  struct nmd_error *err);

/*
 * Map a port from a registered @fd and its description @info, an object with
 * at least "memsize" and "offset" (the port.open result, or an NMD_PORTS
 * entry); "name", "label", "handle", "mem_id", "tx_rings", "rx_rings",
 * "host_tx_rings", "host_rx_rings", "tx_slots", "rx_slots" are used when
 * present (@info is borrowed). The port takes @fd in every case (it is
 * closed on failure). Returns 0, -EINVAL (bad description: offset outside
 * the region, ...), -ENOMEM, or mmap()'s errno.
 */
int nmd_port_map(int fd, const json_t *info, struct nmd_port **ret);

/*
 * Unmap, close the fd and free. With a client @c (may be NULL) and a known
 * handle, port.close is sent first (its failure is ignored: the fd is
 * closed anyway, and closing it is what releases the rings). NULL port
 * ignored.
 */
void nmd_port_close(struct nmd_client *c, struct nmd_port *port);

/*
 * Pick up the ports handed to this process by `nmctl exec` (or by a
 * service manager that sets the same variables): if LISTEN_PID is this
 * process and LISTEN_FDS is n, fds 3 .. 3+n-1 are ports described, in the
 * same order, by the JSON array NMD_PORTS (its length must be n). Each is
 * mapped (nmd_port_map()) and made close-on-exec. LISTEN_PID, LISTEN_FDS,
 * LISTEN_FDNAMES and NMD_PORTS are unset in every case, so children do not
 * take them for theirs.
 *
 * Returns the number of ports (*ports: an array owned by the caller, free
 * it with nmd_ports_free(); NULL when 0), 0 when nothing was handed to
 * this process (no variables, or LISTEN_PID is another process), or a
 * negative errno: -EINVAL (malformed variables; the fds are left alone),
 * -ENOMEM, or an mmap() errno (the ports mapped so far are closed).
 */
int nmd_ports_from_env(struct nmd_port ***ports, size_t *n);

/* The port labelled (or else named) @label, or NULL. Borrowed from @ports. */
struct nmd_port *nmd_ports_find(struct nmd_port *const *ports, size_t n,
				const char *label);

/* nmd_port_close(NULL, ...) each port, then free the array. */
void nmd_ports_free(struct nmd_port **ports, size_t n);

/* -- Helpers ---------------------------------------------------------------- */

/* The generic meaning of a NMD_ERR_* code ("Permission denied", ...). */
const char *nmd_code_message(int code);

/* The fd label nmctl exec gives a port name: ':' replaced by '.'. */
void nmd_label_from_name(const char *name, char *label, size_t size);

#ifdef __cplusplus
}
#endif

#endif /* LIBNMD_H */
