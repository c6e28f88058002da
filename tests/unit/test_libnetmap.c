// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_libnetmap - libnetmap and the NETMAP_WITH_LIBS helpers without a
 * kernel: the port name grammar (good names and what each gives; bad names
 * refused with EINVAL and exactly one message), @options (disabled ones with
 * EOPNOTSUPP), contexts, the option list, the documented errors of each step
 * (register twice, mmap unregistered, clone, extmem), nm_parse(), and
 * inject/dispatch/nextpkt on a hand-made region.
 *
 * The netmapd fallback: a port "handed" to this process (LISTEN_FDS +
 * NMD_PORTS describing a memfd laid out as a region) is taken by
 * nmport_open() and nm_open(); when /dev/netmap cannot be opened (the
 * usual host), ports come from a fake netmapd (nmd_fake.c) and its
 * refusals reach errno and the error callback.
 */
#define _GNU_SOURCE
#define NETMAP_WITH_LIBS
#include <net/netmap_user.h>
#include <libnetmap.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check.h"
#include "nmd_fake.h"

/* -- An error callback that counts and keeps the last message -------------- */

static int n_msgs;
static char last_msg[1000];
static struct nmctx test_ctx;

static void count_error(struct nmctx *ctx, const char *msg)
{
	(void)ctx;
	n_msgs++;
	snprintf(last_msg, sizeof(last_msg), "%s", msg);
}

static void msgs_reset(void)
{
	n_msgs = 0;
	last_msg[0] = '\0';
}

/* -- A hand-made region: one TX and one RX ring of 8 slots ------------------ */

#define R_MEMSIZE 65536u
#define R_TXRING 4096u
#define R_RXRING 8192u
#define R_BUFS 16384u
#define R_BUFSIZE 2048u
#define R_SLOTS 8u

static void ring_init(char *mem, size_t at, uint32_t first_buf)
{
	struct netmap_ring *r = (struct netmap_ring *)(mem + at);

	memset(r, 0, 256 + R_SLOTS * sizeof(struct netmap_slot));
	*(int64_t *)&r->buf_ofs = (int64_t)R_BUFS - (int64_t)at;
	*(uint32_t *)&r->num_slots = R_SLOTS;
	*(uint32_t *)&r->nr_buf_size = R_BUFSIZE;
	for (uint32_t i = 0; i < R_SLOTS; i++)
		r->slot[i].buf_idx = first_buf + i;
}

/* TX: 7 free slots; RX: empty. */
static void region_reset(char *mem)
{
	ring_init(mem, R_TXRING, 0);
	ring_init(mem, R_RXRING, R_SLOTS);
	((struct netmap_ring *)(mem + R_TXRING))->tail = R_SLOTS - 1;
}

/* The region handed as fd 3, made by main() before any case runs. */
static int region = -1;

static int region_create(void)
{
	int fd = memfd_create("libnetmap-test", 0);
	struct netmap_if *nifp;
	char *mem;

	if (fd < 0 || ftruncate(fd, R_MEMSIZE) < 0)
		abort();
	mem = mmap(NULL, R_MEMSIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (mem == MAP_FAILED)
		abort();
	nifp = (struct netmap_if *)mem;
	strcpy((char *)nifp->ni_name, "vale0:vm1");
	*(uint32_t *)&nifp->ni_tx_rings = 1;
	*(uint32_t *)&nifp->ni_rx_rings = 1;
	*(uint32_t *)&nifp->ni_host_tx_rings = 1;
	*(uint32_t *)&nifp->ni_host_rx_rings = 1;
	((ssize_t *)nifp->ring_ofs)[0] = R_TXRING;	/* TX 0 bound, TX host not */
	((ssize_t *)nifp->ring_ofs)[2] = R_RXRING;	/* RX 0 bound, RX host not */
	region_reset(mem);
	munmap(mem, R_MEMSIZE);
	return fd;
}

/* -- The grammar ------------------------------------------------------------ */

struct good_case {
	const char *in;
	const char *nr_name;
	uint32_t mode;
	uint16_t ringid;
	uint64_t flags;
	uint16_t mem_id;
};

static const struct good_case good[] = {
	{ "netmap:eth0", "eth0", NR_REG_ALL_NIC, 0, 0, 0 },
	{ "netmap:eth0-3", "eth0", NR_REG_ONE_NIC, 3, 0, 0 },
	{ "netmap:eth0^", "eth0", NR_REG_SW, 0, 0, 0 },
	{ "netmap:eth0^1", "eth0", NR_REG_ONE_SW, 1, 0, 0 },
	{ "netmap:eth0*", "eth0", NR_REG_NIC_SW, 0, 0, 0 },
	{ "netmap:eth0.100", "eth0.100", NR_REG_ALL_NIC, 0, 0, 0 },
	{ "vale0:p", "vale0:p", NR_REG_ALL_NIC, 0, 0, 0 },
	{ "vale:p", "vale:p", NR_REG_ALL_NIC, 0, 0, 0 },
	{ "valeB_1:port-2", "valeB_1:port", NR_REG_ONE_NIC, 2, 0, 0 },
	{ "netmap:x{1", "x{1", NR_REG_ALL_NIC, 0, 0, 0 },
	{ "netmap:x}1", "x}1", NR_REG_ALL_NIC, 0, 0, 0 },
	{ "netmap:pipe{in-7", "pipe{in", NR_REG_ONE_NIC, 7, 0, 0 },
	{ "vale0:v0/r", "vale0:v0", NR_REG_ALL_NIC, 0, NR_MONITOR_RX, 0 },
	{ "netmap:eth0/rt", "eth0", NR_REG_ALL_NIC, 0, NR_MONITOR_RX | NR_MONITOR_TX, 0 },
	{ "netmap:eth0/z", "eth0", NR_REG_ALL_NIC, 0, NR_ZCOPY_MON, 0 },
	{ "netmap:eth0-1/xRT", "eth0", NR_REG_ONE_NIC, 1,
	  NR_EXCLUSIVE | NR_RX_RINGS_ONLY | NR_TX_RINGS_ONLY, 0 },
	{ "netmap:eth0@5", "eth0", NR_REG_ALL_NIC, 0, 0, 5 },
	{ "netmap:eth0@2/R@2", "eth0", NR_REG_ALL_NIC, 0, NR_RX_RINGS_ONLY, 2 },
	{ "netmap:eth0-4094", "eth0", NR_REG_ONE_NIC, 4094, 0, 0 },
};

static const char *const bad[] = {
	"", "eth0", "netmap:", "netmap:^", "netmap:{", "netmap:{1", "netmap:x{",
	"netmap:pipe{1}2", "netmap:eth0-", "netmap:eth0@", "netmap:eth0@0", "netmap:eth0@2/R@3",
	"netmap:vale0:0", "netmapXXX:eth0", "vale0:", "vale-0:p", "vale0p", "netmap:eth0&",
	"netmap:eth0/", "netmap:eth0/q", "netmap:eth0-4095", "netmap:eth0-1-2",
	"netmap:eth0@@", "netmap:eth0@conf:rings=1@", "netmap:eth0@bogus",
	"netmap:eth0@conf:", "netmap:eth0@conf", "netmap:eth0@conf=1", "netmap:eth0@conf:rings",
	"netmap:eth0@conf:bogus=1", "netmap:eth0@conf:rings=x", "netmap:eth0@conf:rings=70000",
	"netmap:eth0@conf:rings=1,rings=2", "netmap:eth0@share", "netmap:eth0@share=",
	"netmap:eth0@extmem", "netmap:eth0@extmem:if-num=1",
	"netmap:a_name_that_is_far_too_long_for_the_sixty_four_bytes_of_nr_name_xx",
};

static void test_grammar(void)
{
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		const struct good_case *c = &good[i];
		struct nmport_d *d;

		msgs_reset();
		d = nmport_prepare(c->in);
		CHECK(d != NULL, "'%s' refused: %s", c->in, last_msg);
		if (!d)
			continue;
		CHECK(!strcmp(d->hdr.nr_name, c->nr_name), "'%s': nr_name '%s'", c->in,
		      d->hdr.nr_name);
		CHECK(d->reg.nr_mode == c->mode && d->reg.nr_ringid == c->ringid &&
		      d->reg.nr_flags == c->flags && d->reg.nr_mem_id == c->mem_id,
		      "'%s': mode %u ring %u flags %#llx mem %u", c->in, d->reg.nr_mode,
		      d->reg.nr_ringid, (unsigned long long)d->reg.nr_flags, d->reg.nr_mem_id);
		CHECK(d->hdr.nr_version == NETMAP_API && d->hdr.nr_reqtype == NETMAP_REQ_REGISTER &&
		      d->hdr.nr_body == (uintptr_t)&d->reg && d->fd == -1 && d->ctx == &test_ctx,
		      "'%s': header or descriptor not initialised", c->in);
		CHECK(n_msgs == 0, "'%s': %d messages", c->in, n_msgs);
		nmport_undo_prepare(d);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		msgs_reset();
		errno = 0;
		CHECK(nmport_prepare(bad[i]) == NULL && errno == EINVAL && n_msgs == 1,
		      "'%s': errno %d, %d messages", bad[i], errno, n_msgs);
	}
	msgs_reset();
	CHECK(nmport_prepare(NULL) == NULL && errno == EINVAL && n_msgs == 1, "NULL spec");
}

static void test_conf(void)
{
	struct nmport_d *d = nmport_prepare(
		"netmap:x{1@conf:rings=2,tx-slots=256,rx_slots=512,host-rings=1,rx-rings=3");

	CHECK(d != NULL, "@conf refused: %s", last_msg);
	if (!d)
		return;
	CHECK(d->reg.nr_tx_rings == 2 && d->reg.nr_rx_rings == 3 && d->reg.nr_tx_slots == 256 &&
	      d->reg.nr_rx_slots == 512 && d->reg.nr_host_tx_rings == 1 &&
	      d->reg.nr_host_rx_rings == 1, "@conf values %u %u %u %u", d->reg.nr_tx_rings,
	      d->reg.nr_rx_rings, d->reg.nr_tx_slots, d->reg.nr_rx_slots);
	nmport_undo_prepare(d);
}

static void test_decoders(void)
{
	struct nmreq_header h;
	struct nmreq_register r;
	const char *s, *spec;

	/* header_decode: stops at the suffix; on error touches nothing. */
	memset(&h, 0, sizeof(h));
	spec = s = "vale1:a-2@conf:rings=1";
	CHECK(nmreq_header_decode(&s, &h, &test_ctx) == 0 && !strcmp(h.nr_name, "vale1:a") &&
	      s == spec + 7, "header_decode: '%s' rest '%s'", h.nr_name, s);
	strcpy(h.nr_name, "keep");
	spec = s = "netmap:";
	msgs_reset();
	CHECK(nmreq_header_decode(&s, &h, &test_ctx) < 0 && errno == EINVAL && s == spec &&
	      !strcmp(h.nr_name, "keep") && n_msgs == 1, "header_decode error changed state");

	/* register_decode: assigns mode/ringid/flags, stops at an option. */
	memset(&r, 0, sizeof(r));
	r.nr_flags = NR_EXCLUSIVE;
	r.nr_tx_slots = 77;
	spec = s = "-3/T@9@conf:rings=1";
	CHECK(nmreq_register_decode(&s, &r, &test_ctx) == 0 && r.nr_mode == NR_REG_ONE_NIC &&
	      r.nr_ringid == 3 && r.nr_flags == NR_TX_RINGS_ONLY && r.nr_mem_id == 9 &&
	      r.nr_tx_slots == 77 && !strcmp(s, "@conf:rings=1"),
	      "register_decode: mode %u flags %#llx rest '%s'", r.nr_mode,
	      (unsigned long long)r.nr_flags, s);
	spec = s = "@8";
	msgs_reset();
	CHECK(nmreq_register_decode(&s, &r, &test_ctx) < 0 && errno == EINVAL && s == spec &&
	      r.nr_mem_id == 9 && r.nr_mode == NR_REG_ONE_NIC && n_msgs == 1,
	      "a different mem_id is not refused, or the request changed");
	spec = s = "@9";
	CHECK(nmreq_register_decode(&s, &r, &test_ctx) == 0 && r.nr_mem_id == 9 &&
	      r.nr_mode == NR_REG_ALL_NIC, "the same mem_id again is refused");

	/* options_decode: "" is fine, anything else starts with '@'. */
	CHECK(nmreq_options_decode("", NULL, NULL, &test_ctx) == 0, "empty options refused");
	msgs_reset();
	CHECK(nmreq_options_decode("conf:rings=1", NULL, NULL, &test_ctx) < 0 &&
	      errno == EINVAL && n_msgs == 1, "options without '@' accepted");
	msgs_reset();
	CHECK(nmreq_options_decode("@x", NULL, NULL, &test_ctx) < 0 && errno == EINVAL,
	      "an unknown option accepted");

	/* get_mem_id: a bad name is EINVAL before any device is opened. */
	s = "bogus";
	msgs_reset();
	CHECK(nmreq_get_mem_id(&s, &test_ctx) < 0 && errno == EINVAL && n_msgs == 1,
	      "get_mem_id of a bad name");
}

static void test_options(void)
{
	struct nmport_d *d;
	char path[] = "/tmp/libnetmap-extmem-XXXXXX";
	char spec[160];
	int fd;

	/* offset: disabled by default, EOPNOTSUPP before its body is read. */
	msgs_reset();
	CHECK(nmport_prepare("netmap:eth0@offset=64") == NULL && errno == EOPNOTSUPP &&
	      n_msgs == 1, "a disabled option: errno %d", errno);
	CHECK(nmport_prepare("netmap:eth0@offset") == NULL && errno == EOPNOTSUPP,
	      "a disabled option without body: errno %d", errno);
	CHECK(nmport_enable_option("offset") == 0, "enable offset");
	d = nmport_prepare("netmap:eth0@offset:initial=64,bits=16");
	CHECK(d != NULL, "@offset refused: %s", last_msg);
	if (d) {
		struct nmreq_opt_offsets *o = (struct nmreq_opt_offsets *)nmreq_find_option(
			&d->hdr, NETMAP_REQ_OPT_OFFSETS);

		CHECK(o && o->nro_initial_offset == 64 && o->nro_max_offset == 64 &&
		      o->nro_offset_bits == 16 && o->nro_opt.nro_size == sizeof(*o),
		      "offsets option");
		/* A second offset is pushed too: the kernel refuses the duplicate. */
		CHECK(nmport_offset(d, 0, 0, 0, 0) == 0, "second nmport_offset()");
		nmport_undo_parse(d);
		CHECK(d->hdr.nr_options == 0 && d->reg.nr_mode == 0, "undo_parse left options");
		nmport_delete(d);
	}
	msgs_reset();
	CHECK(nmport_prepare("netmap:eth0@offset:bits=3") == NULL && errno == EINVAL &&
	      n_msgs == 1, "@offset without initial accepted");
	nmport_disable_option("offset");
	nmport_disable_option("nosuch");
	CHECK(nmport_enable_option("nosuch") < 0 && errno == EOPNOTSUPP, "enable an unknown option");
	nmport_disable_option("conf");
	CHECK(nmport_prepare("netmap:eth0@conf:rings=1") == NULL && errno == EOPNOTSUPP,
	      "disabled conf accepted");
	nmport_enable_option("conf");

	/* extmem: a missing file is its open's errno; a real one is mapped. */
	msgs_reset();
	CHECK(nmport_prepare("netmap:eth0@extmem=/nonexistent/x") == NULL && errno == ENOENT &&
	      n_msgs == 1, "extmem of a missing file: errno %d", errno);
	fd = mkstemp(path);
	CHECK(fd >= 0 && ftruncate(fd, 1 << 20) == 0, "temp file");
	snprintf(spec, sizeof(spec), "netmap:eth0@extmem:file=%s,if-num=5,buf-size=4096", path);
	d = nmport_prepare(spec);
	CHECK(d && d->extmem && nmport_extmem_getinfo(d) &&
	      nmport_extmem_getinfo(d)->nr_memsize == (1 << 20) &&
	      nmport_extmem_getinfo(d)->nr_if_pool_objtotal == 5 &&
	      nmport_extmem_getinfo(d)->nr_buf_pool_objsize == 4096 &&
	      nmreq_find_option(&d->hdr, NETMAP_REQ_OPT_EXTMEM) == &d->extmem->nro_opt,
	      "extmem option: %s", last_msg);
	if (d) {
		msgs_reset();
		CHECK(nmport_extmem(d, d, 4096) < 0 && errno == EINVAL && n_msgs == 1,
		      "a second extmem accepted");
		CHECK(nmport_clone(d) == NULL && errno == EINVAL,
		      "clone of an unregistered extmem port");
		d->register_done = 1;
		CHECK(nmport_extmem(d, d, 4096) < 0 && errno == EINVAL,
		      "extmem on a registered port");
		d->register_done = 0;
		nmport_undo_prepare(d);
	}
	if (fd >= 0) {
		close(fd);
		unlink(path);
	}
	d = nmport_prepare("netmap:eth0");
	CHECK(d && nmport_extmem_getinfo(d) == NULL, "extmem_getinfo without extmem");
	nmport_undo_prepare(d);
}

static void test_steps(void)
{
	struct nmport_d *d = nmport_prepare("netmap:eth0-1/x"), *c;

	if (!d)
		return;
	msgs_reset();
	CHECK(nmport_mmap(d) < 0 && errno == EINVAL && n_msgs == 1, "mmap of an unregistered port");
	d->register_done = 1;
	msgs_reset();
	CHECK(nmport_register(d) < 0 && errno == EINVAL && n_msgs == 1 &&
	      strstr(last_msg, "already registered"), "register twice");
	d->register_done = 0;
	d->reg.nr_mem_id = 4;
	c = nmport_clone(d);
	CHECK(c && c != d && c->ctx == d->ctx && !strcmp(c->hdr.nr_name, "eth0") &&
	      c->reg.nr_mode == NR_REG_ONE_NIC && c->reg.nr_ringid == 1 &&
	      c->reg.nr_mem_id == 4 && c->hdr.nr_body == (uintptr_t)&c->reg &&
	      c->hdr.nr_options == 0 && c->fd == -1 && !c->register_done, "clone");
	nmport_undo_prepare(c);
	nmport_undo_prepare(d);
	nmport_close(NULL);
	nmport_undo_prepare(NULL);
}

static void test_ctx_and_lists(void)
{
	struct nmreq_option a = { .nro_reqtype = NETMAP_REQ_OPT_EXTMEM };
	struct nmreq_option b = { .nro_reqtype = NETMAP_REQ_OPT_CSB };
	struct nmreq_option *o, *h1, *h2;
	struct nmreq_header h;
	char big[1200];
	int n = 0;

	msgs_reset();
	test_ctx.verbose = 0;
	nmctx_ferror(&test_ctx, "quiet %d", 1);
	CHECK(n_msgs == 0, "verbose 0 still reports");
	test_ctx.verbose = 1;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	nmctx_ferror(&test_ctx, "%s", big);
	CHECK(n_msgs == 1 && !strcmp(last_msg, "error message too long"), "long message: '%.40s'",
	      last_msg);

	nmreq_header_init(&h, NETMAP_REQ_PORT_INFO_GET, NULL);
	CHECK(h.nr_version == NETMAP_API && h.nr_reqtype == NETMAP_REQ_PORT_INFO_GET, "header_init");
	nmreq_push_option(&h, &a);
	nmreq_push_option(&h, &b);
	nmreq_foreach_option(&h, o)
		n++;
	CHECK(n == 2 && (struct nmreq_option *)(uintptr_t)h.nr_options == &b, "push at head");
	CHECK(nmreq_find_option(&h, NETMAP_REQ_OPT_EXTMEM) == &a &&
	      nmreq_find_option(&h, NETMAP_REQ_OPT_OFFSETS) == NULL, "find_option");
	nmreq_remove_option(&h, &a);
	CHECK(nmreq_find_option(&h, NETMAP_REQ_OPT_EXTMEM) == NULL && a.nro_next == 0 &&
	      b.nro_next == 0, "remove_option");
	CHECK(!strcmp(nmreq_option_name(NETMAP_REQ_OPT_EXTMEM), "extmem") &&
	      !strcmp(nmreq_option_name(NETMAP_REQ_OPT_OFFSETS), "offsets") &&
	      !strcmp(nmreq_option_name(99), "unknown"), "option names");
	h1 = calloc(1, sizeof(*h1));
	h2 = calloc(1, sizeof(*h2));
	nmreq_header_init(&h, NETMAP_REQ_REGISTER, NULL);
	nmreq_push_option(&h, h1);
	nmreq_push_option(&h, h2);
	nmreq_free_options(&h);	/* ASan finds a leak or a bad free */
	CHECK(h.nr_options == 0, "free_options");
}

/* -- nm_parse() --------------------------------------------------------------- */

static void test_nm_parse(void)
{
	static const struct {
		const char *in, *name;
		uint32_t flags;
		uint16_t ringid, arg2;
	} ok[] = {
		{ "netmap:eth0", "eth0", NR_REG_ALL_NIC, 0, 0 },
		{ "netmap:eth0-2", "eth0", NR_REG_ONE_NIC, 2, 0 },
		{ "netmap:eth0-/x", "eth0", NR_REG_ONE_NIC | NR_EXCLUSIVE, 0, 0 },
		{ "netmap:eth0^", "eth0", NR_REG_SW, 0, 0 },
		{ "netmap:eth0*@3", "eth0", NR_REG_NIC_SW, 0, 3 },
		{ "netmap:p{4", "p", NR_REG_PIPE_MASTER, 4, 0 },
		{ "netmap:p}4/R", "p", NR_REG_PIPE_SLAVE | NR_RX_RINGS_ONLY, 4, 0 },
		{ "vale0:a1", "vale0:a1", NR_REG_ALL_NIC, 0, 0 },
		{ "vale:b/rt", "vale:b", NR_REG_ALL_NIC | NR_MONITOR_RX | NR_MONITOR_TX, 0, 0 },
	};
	static const char *const ko[] = {
		"eth0", "vale0", "vale0:a.b", "valeX-:a", "netmap:0123456789abcdef",
		"netmap:eth0-", "netmap:eth0{", "netmap:eth0/", "netmap:eth0@", "netmap:eth0@0",
		"netmap:eth0@1@1", "netmap:eth0/q", "netmap:eth0-4095", "netmap:eth0^x",
	};
	struct nm_desc d;
	char err[128];

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		memset(&d, 0, sizeof(d));
		d.req.nr_arg2 = 77;
		CHECK(nm_parse(ok[i].in, &d, err) == 0 && d.self == &d &&
		      !strcmp(d.req.nr_name, ok[i].name) && d.req.nr_flags == ok[i].flags &&
		      d.req.nr_ringid == ok[i].ringid && d.req.nr_arg2 == ok[i].arg2,
		      "nm_parse '%s': name '%s' flags %#x ring %u arg2 %u", ok[i].in,
		      d.req.nr_name, d.req.nr_flags, d.req.nr_ringid, d.req.nr_arg2);
	}
	for (size_t i = 0; i < sizeof(ko) / sizeof(ko[0]); i++) {
		memset(&d, 0, sizeof(d));
		err[0] = '\0';
		errno = 0;
		CHECK(nm_parse(ko[i], &d, err) < 0 && errno == EINVAL && err[0] && strlen(err) < 80,
		      "nm_parse '%s' accepted", ko[i]);
	}
	errno = 42;
	CHECK(nm_open("eth0", NULL, 0, NULL) == NULL && errno == 0, "not a netmap name: errno %d",
	      errno);
	CHECK(nm_close(NULL) == EINVAL, "nm_close(NULL)");
	memset(&d, 0, sizeof(d));
	CHECK(nm_close(&d) == EINVAL, "nm_close of a non-descriptor");
}

/* -- Handed ports: nmport_open(), nm_open(), inject, dispatch -------------- */

struct seen {
	int n;
	uint32_t len[4], caplen[4];
	uint64_t flags[4];
};

static void on_packet(unsigned char *arg, const struct nm_pkthdr *h, const unsigned char *buf)
{
	struct seen *s = (struct seen *)arg;

	(void)buf;
	if (s->n < 4) {
		s->len[s->n] = h->len;
		s->caplen[s->n] = h->caplen;
		s->flags[s->n] = h->flags;
	}
	s->n++;
}

static void test_inject(struct nmport_d *p, char *mem)
{
	struct netmap_ring *tx = (struct netmap_ring *)(mem + R_TXRING);
	static char pkt[7000];

	region_reset(mem);
	CHECK(nmport_inject(p, pkt, 100) == 100 && tx->head == 1 && tx->cur == 1 &&
	      tx->slot[0].len == 100 && tx->slot[0].flags == 0, "inject 100 bytes");
	CHECK(nmport_inject(p, pkt, 5000) == 5000 && tx->head == 4 &&
	      tx->slot[1].len == R_BUFSIZE && tx->slot[1].flags == NS_MOREFRAG &&
	      tx->slot[2].flags == NS_MOREFRAG && tx->slot[3].len == 5000 - 2 * R_BUFSIZE &&
	      tx->slot[3].flags == 0, "inject 5000 bytes over three slots");
	CHECK(nmport_inject(p, pkt, 7000) == 0 && tx->head == 4, "inject without room");
}

static void test_dispatch(struct nm_desc *d, char *mem)
{
	struct netmap_ring *rx = (struct netmap_ring *)(mem + R_RXRING);
	struct nm_pkthdr h;
	struct seen s = { 0 };

	region_reset(mem);
	rx->slot[0].len = 60;
	rx->slot[1].len = R_BUFSIZE;
	rx->slot[1].flags = NS_MOREFRAG;
	rx->slot[2].len = 100;
	rx->tail = 3;
	CHECK(nm_dispatch(d, -1, on_packet, (unsigned char *)&s) == 2 && s.n == 2, "dispatch: %d",
	      s.n);
	CHECK(s.len[0] == 60 && s.flags[0] == NM_MORE_PKTS && s.len[1] == R_BUFSIZE + 100 &&
	      s.caplen[1] == R_BUFSIZE + 100 && s.flags[1] == 0 && rx->head == 3 && rx->cur == 3,
	      "dispatch: len %u/%u caplen %u flags %llu/%llu head %u", s.len[0], s.len[1],
	      s.caplen[1], (unsigned long long)s.flags[0], (unsigned long long)s.flags[1],
	      rx->head);
	CHECK(nm_dispatch(d, 0, on_packet, (unsigned char *)&s) == 0, "dispatch of an empty ring");
	region_reset(mem);
	rx->slot[0].len = 42;
	rx->tail = 1;
	CHECK(nm_nextpkt(d, &h) == (unsigned char *)d->mem + R_BUFS + R_SLOTS * R_BUFSIZE &&
	      h.len == 42 && h.caplen == 42 && rx->head == 1, "nextpkt");
	CHECK(nm_nextpkt(d, &h) == NULL, "nextpkt of an empty ring");
	region_reset(mem);
	CHECK(nm_inject(d, "abc", 3) == 3 && ((struct netmap_ring *)(mem + R_TXRING))->head == 1,
	      "nm_inject");
}

static void test_handed(void)
{
	int region_fd = region;

	struct nmport_d *p, *q;
	struct nm_desc *d;
	char *mem = mmap(NULL, R_MEMSIZE, PROT_READ | PROT_WRITE, MAP_SHARED, region_fd, 0);

	CHECK(mem != MAP_FAILED, "map the test region");
	CHECK(nmport_handed_name("up") && !strcmp(nmport_handed_name("up"), "vale0:vm1") &&
	      nmport_handed_name("vale0:vm1"),
	      "handed_name by label and name");
	CHECK(nmport_handed_name("nope") == NULL && errno == ENOENT, "handed_name of another port");
	CHECK(getenv("NMD_PORTS") == NULL && getenv("LISTEN_FDS") == NULL,
	      "the handed-port variables stay set");

	msgs_reset();
	p = nmport_open("vale0:vm1");
	CHECK(p && p->fd >= 0 && p->fd != 3 && p->register_done && p->mmap_done &&
	      p->reg.nr_mem_id == 7 && p->first_tx_ring == 0 && p->last_tx_ring == 0 &&
	      p->first_rx_ring == 0 && p->last_rx_ring == 0 &&
	      !strcmp(p->nifp->ni_name, "vale0:vm1"), "nmport_open of a handed port: %s", last_msg);
	q = nmport_open("vale0:vm1-1");	/* a different binding: not the handed one */
	CHECK(q == NULL && n_msgs == 1, "a handed port taken for another binding");
	q = nmport_open("vale0:vm1/T");	/* TX only: the handed port serves it */
	CHECK(q && p && q->mem == p->mem && q->mem->refcount == 2, "one region per mem_id");
	nmport_close(q);
	CHECK(!p || p->mem->refcount == 1, "refcount after close");
	if (p && mem != MAP_FAILED)
		test_inject(p, mem);
	nmport_close(p);

	d = nm_open("vale0:vm1", NULL, 0, NULL);
	CHECK(d && IS_NETMAP_DESC(d) && d->fd >= 0 && d->req.nr_arg2 == 7 && d->done_mmap &&
	      d->first_tx_ring == 0 && d->last_tx_ring == 0 && d->nifp &&
	      d->some_ring == NETMAP_RXRING(d->nifp, 0) && d->memsize == R_MEMSIZE,
	      "nm_open of a handed port");
	if (d && mem != MAP_FAILED)
		test_dispatch(d, mem);
	if (d) {
		struct nm_desc *d2 = nm_open("vale0:vm1", NULL, NM_OPEN_NO_MMAP, d);

		CHECK(d2 && d2->mem == d->mem && !d2->done_mmap, "nm_open sharing the parent's mapping");
		if (d2)
			CHECK(nm_close(d2) == 0, "nm_close");
		CHECK(nm_close(d) == 0, "nm_close");
	}
	if (mem != MAP_FAILED)
		munmap(mem, R_MEMSIZE);
}

/* -- Asking netmapd (a fake one) when /dev/netmap is out of reach ------------ */

static void test_daemon(void)
{
	char sock[64];
	struct nmport_d *p;
	struct nm_desc *d;
	pid_t pid;
	int fd = open(NETMAP_DEVICE_NAME, O_RDWR), e = errno;

	if (fd >= 0 || (e != ENOENT && e != EACCES)) {
		if (fd >= 0)
			close(fd);
		printf("skip: %s can be opened here (or fails with %d)\n", NETMAP_DEVICE_NAME, e);
		return;
	}
	snprintf(sock, sizeof(sock), "/tmp/libnetmap-test-%d.sock", (int)getpid());

	setenv("NETMAPD_SOCKET", sock, 1);
	msgs_reset();
	CHECK(nmport_open("vale0:vm2") == NULL && errno == e && n_msgs == 1 &&
	      strstr(last_msg, "not reachable"), "no netmapd: errno %d, '%s'", errno, last_msg);

	pid = fake_start(sock, GOLDEN_DIR);
	msgs_reset();
	p = nmport_open("vale0:vm2");
	CHECK(p && p->fd >= 0 && p->reg.nr_mem_id == 3 && p->reg.nr_memsize == FAKE_MEMSIZE &&
	      p->nifp && !strcmp(p->nifp->ni_name, "vale0:vm2") && n_msgs == 0,
	      "nmport_open through netmapd: %s", last_msg);
	nmport_close(p);
	msgs_reset();
	CHECK(nmport_open("vale0:secret") == NULL && errno == EACCES && n_msgs == 1 &&
	      strstr(last_msg, "Permission denied"), "a refusal: errno %d '%s'", errno, last_msg);
	msgs_reset();
	CHECK(nmport_open("netmap:nosuch") == NULL && errno == ENOENT && n_msgs == 1,
	      "not found: errno %d '%s'", errno, last_msg);
	p = nmport_open("netmap:x{1@conf:rings=1");
	CHECK(p != NULL, "a pipe with @conf through netmapd: %s", last_msg);
	nmport_close(p);
	nmport_enable_option("offset");
	msgs_reset();
	CHECK(nmport_open("netmap:x@offset=8") == NULL && errno == e && n_msgs == 1 &&
	      strstr(last_msg, "options"), "options through netmapd: '%s'", last_msg);
	nmport_disable_option("offset");

	d = nm_open("vale0:vm3", NULL, 0, NULL);
	CHECK(d && d->req.nr_arg2 == 3 && d->req.nr_memsize == FAKE_MEMSIZE && d->mem,
	      "nm_open through netmapd");
	if (d)
		nm_close(d);
	msgs_reset();
	CHECK(nm_open("vale0:secret", NULL, 0, NULL) == NULL && errno == EACCES && n_msgs == 1,
	      "nm_open refused: errno %d", errno);

	setenv("NMD_FALLBACK", "handed", 1);
	msgs_reset();
	CHECK(nmport_open("vale0:vm2") == NULL && errno == e && n_msgs == 1 &&
	      strstr(last_msg, "NMD_FALLBACK"), "NMD_FALLBACK=handed still asks netmapd");
	setenv("NMD_FALLBACK", "off", 1);
	CHECK(nmport_open("vale0:vm1") == NULL && errno == e,
	      "NMD_FALLBACK=off still takes the handed port");
	unsetenv("NMD_FALLBACK");
	fake_stop(pid);
	unlink(sock);
}

static const struct check_case cases[] = {
	CHECK_CASE(grammar),
	CHECK_CASE(conf),
	CHECK_CASE(decoders),
	CHECK_CASE(options),
	CHECK_CASE(steps),
	CHECK_CASE(ctx_and_lists),
	CHECK_CASE(nm_parse),
	CHECK_CASE(handed),
	CHECK_CASE(daemon),
};

int main(int argc, char **argv)
{
	char ports[512];
	int r;

	region = region_create();

	/* Hand "vale0:vm1" to ourselves before anything reads the environment. */
	if (dup2(region, 3) != 3)
		abort();
	snprintf(ports, sizeof(ports),
		 "[{\"name\":\"vale0:vm1\",\"label\":\"up\",\"memsize\":%u,\"offset\":0,"
		 "\"mem_id\":7,\"tx_rings\":1,\"rx_rings\":1,\"host_tx_rings\":1,"
		 "\"host_rx_rings\":1,\"tx_slots\":%u,\"rx_slots\":%u}]",
		 R_MEMSIZE, R_SLOTS, R_SLOTS);
	setenv("NMD_PORTS", ports, 1);
	setenv("LISTEN_FDS", "1", 1);
	snprintf(ports, sizeof(ports), "%d", (int)getpid());
	setenv("LISTEN_PID", ports, 1);
	setenv("NETMAPD_SOCKET", "/nonexistent/netmapd.sock", 1);

	test_ctx = *nmctx_get();
	test_ctx.error = count_error;
	nmctx_set_default(&test_ctx);

	r = CHECK_RUN(argc, argv, cases);
	close(region);
	return check_exit(r);
}
