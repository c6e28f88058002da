/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_abi_layout - check <net/netmap.h> and <net/netmap_user.h> against
 * the netmap API 14 facts (shared/abi/NETMAP-ABI.md).
 *
 * 1. Every size, offset, constant and ioctl number the ABI notes list.
 *    Sizes are also _Static_assert'ed, so a wrong layout fails to build.
 * 2. The ring helpers, run against a synthetic memory region laid out the
 *    way the kernel lays it out: netmap_if, rings (with ring_ofs[] relative
 *    to the netmap_if), buffer pool, with rings on both sides of the pool so
 *    that buf_ofs is positive for some rings and negative for others.
 *
 * The numbers are those of x86_64 (LP64); other targets are not covered.
 * Prints one line per failure and "N passed, N failed"; exit status is 1
 * if anything failed.
 */
#include <net/netmap.h>
#include <net/netmap_user.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if !defined(__x86_64__)
#error "the expected values in this test are those of x86_64"
#endif

/* ------------------------------------------------------------------------
 * Compile-time checks: a wrong size does not build.
 */
_Static_assert(sizeof(struct netmap_slot) == 16, "netmap_slot");
_Static_assert(sizeof(struct netmap_ring) == 256, "netmap_ring header");
_Static_assert(offsetof(struct netmap_ring, head) == 20, "netmap_ring head");
_Static_assert(offsetof(struct netmap_ring, tail) == 28, "netmap_ring tail");
_Static_assert(offsetof(struct netmap_ring, ts) == 40, "netmap_ring ts");
_Static_assert(sizeof(((struct netmap_ring *)0)->ts) == 16, "ring ts size");
_Static_assert(offsetof(struct netmap_ring, offset_mask) == 56,
	       "netmap_ring offset_mask");
_Static_assert(offsetof(struct netmap_ring, buf_align) == 64,
	       "netmap_ring buf_align");
_Static_assert(offsetof(struct netmap_ring, sem) == 128, "netmap_ring sem");
_Static_assert(offsetof(struct netmap_ring, slot) == 256, "netmap_ring slot");
_Static_assert(sizeof(struct netmap_if) == 56, "netmap_if");
_Static_assert(offsetof(struct netmap_if, ring_ofs) == 56, "ring_ofs");
_Static_assert(sizeof(struct nmreq_header) == 88, "nmreq_header");
_Static_assert(sizeof(struct nmreq_register) == 56, "nmreq_register");
_Static_assert(sizeof(struct nmreq_port_info_get) == 32, "port_info_get");
_Static_assert(sizeof(struct nmreq_vale_attach) == 64, "vale_attach");
_Static_assert(sizeof(struct nmreq_vale_detach) == 8, "vale_detach");
_Static_assert(sizeof(struct nmreq_vale_list) == 8, "vale_list");
_Static_assert(sizeof(struct nmreq_port_hdr) == 8, "port_hdr");
_Static_assert(sizeof(struct nmreq_vale_newif) == 16, "vale_newif");
_Static_assert(sizeof(struct nmreq_vale_polling) == 16, "vale_polling");
_Static_assert(sizeof(struct nmreq_pools_info) == 64, "pools_info");
_Static_assert(sizeof(struct nmreq_sync_kloop_start) == 8, "kloop_start");
_Static_assert(sizeof(struct nmreq_option) == 24, "nmreq_option");
_Static_assert(sizeof(struct nmreq_opt_extmem) == 96, "opt_extmem");
_Static_assert(sizeof(struct nmreq_opt_sync_kloop_eventfds) == 24,
	       "opt_sync_kloop_eventfds");
_Static_assert(sizeof(struct nmreq_opt_csb) == 40, "opt_csb");
_Static_assert(sizeof(struct nmreq_opt_sync_kloop_mode) == 32,
	       "opt_sync_kloop_mode");
_Static_assert(sizeof(struct nmreq_opt_offsets) == 56, "opt_offsets");
_Static_assert(sizeof(struct nmreq_opt_port_stats) == 104, "opt_port_stats (netmapd extension)");
_Static_assert(offsetof(struct nmreq_opt_port_stats, tx_packets) == 24, "port_stats tx_packets");
_Static_assert(offsetof(struct nmreq_opt_port_stats, rx_drops) == 64, "port_stats rx_drops");
_Static_assert(offsetof(struct nmreq_opt_port_stats, rx_errors) == 72, "port_stats rx_errors");
_Static_assert(offsetof(struct nmreq_opt_port_stats, kind) == 80, "port_stats kind");
_Static_assert(offsetof(struct nmreq_opt_port_stats, nr_objects) == 84, "port_stats nr_objects");
_Static_assert(NETMAP_REQ_OPT_PORT_STATS == 0x4e4d0001u, "NETMAP_REQ_OPT_PORT_STATS");
_Static_assert(sizeof(struct nm_csb_atok) == 64, "nm_csb_atok");
_Static_assert(sizeof(struct nm_csb_ktoa) == 64, "nm_csb_ktoa");
_Static_assert(sizeof(struct nmreq) == 60, "nmreq");
_Static_assert(sizeof(struct nm_ifreq) == 272, "nm_ifreq");
_Static_assert(NIOCCTRL == 0xc0586997u, "NIOCCTRL");
_Static_assert(NIOCTXSYNC == 0x6994u, "NIOCTXSYNC");
_Static_assert(NIOCRXSYNC == 0x6995u, "NIOCRXSYNC");
_Static_assert(NIOCGINFO == 0xc03c6991u, "NIOCGINFO");
_Static_assert(NIOCREGIF == 0xc03c6992u, "NIOCREGIF");
_Static_assert(NIOCCONFIG == 0xc1106996u, "NIOCCONFIG");

/* ------------------------------------------------------------------------
 * Runtime checks
 */
static unsigned int n_pass, n_fail;

static void
check(int ok, const char *what, const char *file, int line,
      unsigned long long got, unsigned long long want)
{
	if (ok) {
		n_pass++;
		return;
	}
	n_fail++;
	printf("FAIL %s:%d: %s: got %llu (0x%llx), want %llu (0x%llx)\n",
	       file, line, what, got, got, want, want);
}

#define CHECK_EQ(what, got, want)					\
	check((unsigned long long)(got) == (unsigned long long)(want),	\
	      what, __FILE__, __LINE__,					\
	      (unsigned long long)(got), (unsigned long long)(want))

/* size of one member */
#define MSIZE(type, field)	sizeof(((type *)0)->field)

/* field is at offset off and is size bytes long */
#define FIELD(type, field, off, size) do {				\
	CHECK_EQ("offsetof(" #type ", " #field ")",			\
		 offsetof(type, field), off);				\
	CHECK_EQ("sizeof(" #type "." #field ")",			\
		 MSIZE(type, field), size);				\
} while (0)

#define SIZE(type, size)	CHECK_EQ("sizeof(" #type ")", sizeof(type), size)
#define CONST(name, value)	CHECK_EQ(#name, name, value)

static void
test_constants(void)
{
	CONST(NETMAP_API, 14);
	CONST(NETMAP_MIN_API, 14);
	CONST(NETMAP_MAX_API, 15);
	CONST(NM_CACHE_ALIGN, 128);
	CONST(NETMAP_REQ_IFNAMSIZ, 64);
	CONST(IFNAMSIZ, 16);
	CONST(NETMAP_REQ_MAXSIZE, 4096);

	CONST(NIOCCTRL, 0xc0586997u);
	CONST(NIOCTXSYNC, 0x6994u);
	CONST(NIOCRXSYNC, 0x6995u);
	CONST(NIOCGINFO, 0xc03c6991u);
	CONST(NIOCREGIF, 0xc03c6992u);
	CONST(NIOCCONFIG, 0xc1106996u);

	CONST(NETMAP_REQ_REGISTER, 1);
	CONST(NETMAP_REQ_PORT_INFO_GET, 2);
	CONST(NETMAP_REQ_VALE_ATTACH, 3);
	CONST(NETMAP_REQ_VALE_DETACH, 4);
	CONST(NETMAP_REQ_VALE_LIST, 5);
	CONST(NETMAP_REQ_PORT_HDR_SET, 6);
	CONST(NETMAP_REQ_PORT_HDR_GET, 7);
	CONST(NETMAP_REQ_VALE_NEWIF, 8);
	CONST(NETMAP_REQ_VALE_DELIF, 9);
	CONST(NETMAP_REQ_VALE_POLLING_ENABLE, 10);
	CONST(NETMAP_REQ_VALE_POLLING_DISABLE, 11);
	CONST(NETMAP_REQ_POOLS_INFO_GET, 12);
	CONST(NETMAP_REQ_SYNC_KLOOP_START, 13);
	CONST(NETMAP_REQ_SYNC_KLOOP_STOP, 14);
	CONST(NETMAP_REQ_CSB_ENABLE, 15);

	CONST(NR_REG_DEFAULT, 0);
	CONST(NR_REG_ALL_NIC, 1);
	CONST(NR_REG_SW, 2);
	CONST(NR_REG_NIC_SW, 3);
	CONST(NR_REG_ONE_NIC, 4);
	CONST(NR_REG_PIPE_MASTER, 5);
	CONST(NR_REG_PIPE_SLAVE, 6);
	CONST(NR_REG_NULL, 7);
	CONST(NR_REG_ONE_SW, 8);
	CONST(NR_REG_MASK, 0xf);

	CONST(NR_MONITOR_TX, 0x100);
	CONST(NR_MONITOR_RX, 0x200);
	CONST(NR_ZCOPY_MON, 0x400);
	CONST(NR_EXCLUSIVE, 0x800);
	CONST(NR_RX_RINGS_ONLY, 0x2000);
	CONST(NR_TX_RINGS_ONLY, 0x4000);
	CONST(NR_ACCEPT_VNET_HDR, 0x8000);
	CONST(NR_DO_RX_POLL, 0x10000);
	CONST(NR_NO_TX_POLL, 0x20000);

	CONST(NETMAP_POLLING_MODE_SINGLE_CPU, 1);
	CONST(NETMAP_POLLING_MODE_MULTI_CPU, 2);

	CONST(NETMAP_REQ_OPT_EXTMEM, 1);
	CONST(NETMAP_REQ_OPT_SYNC_KLOOP_EVENTFDS, 2);
	CONST(NETMAP_REQ_OPT_CSB, 3);
	CONST(NETMAP_REQ_OPT_SYNC_KLOOP_MODE, 4);
	CONST(NETMAP_REQ_OPT_OFFSETS, 5);
	CONST(NETMAP_REQ_OPT_MAX, 6);
	CONST(NM_OPT_SYNC_KLOOP_DIRECT_TX, 1);
	CONST(NM_OPT_SYNC_KLOOP_DIRECT_RX, 2);

	CONST(NETMAP_BDG_ATTACH, 1);
	CONST(NETMAP_BDG_DETACH, 2);
	CONST(NETMAP_BDG_REGOPS, 3);
	CONST(NETMAP_BDG_LIST, 4);
	CONST(NETMAP_BDG_VNET_HDR, 5);
	CONST(NETMAP_BDG_NEWIF, 6);
	CONST(NETMAP_BDG_DELIF, 7);
	CONST(NETMAP_PT_HOST_CREATE, 8);
	CONST(NETMAP_PT_HOST_DELETE, 9);
	CONST(NETMAP_BDG_POLLING_ON, 10);
	CONST(NETMAP_BDG_POLLING_OFF, 11);
	CONST(NETMAP_VNET_HDR_GET, 12);
	CONST(NETMAP_BDG_HOST, 1);
	CONST(NM_BDG_NOPORT, 255);

	CONST(NETMAP_RING_MASK, 0x0fff);
	CONST(NETMAP_NO_TX_POLL, 0x1000);
	CONST(NETMAP_SW_RING, 0x2000);
	CONST(NETMAP_HW_RING, 0x4000);
	CONST(NETMAP_DO_RX_POLL, 0x8000);

	CONST(NS_BUF_CHANGED, 0x0001);
	CONST(NS_REPORT, 0x0002);
	CONST(NS_FORWARD, 0x0004);
	CONST(NS_NO_LEARN, 0x0008);
	CONST(NS_INDIRECT, 0x0010);
	CONST(NS_MOREFRAG, 0x0020);
	CONST(NS_TXMON, 0x0040);
	CONST(NS_PORT_SHIFT, 8);
	CONST(NS_PORT_MASK, 0xff00);
	CONST(NETMAP_MAX_FRAGS, 64);

	CONST(NR_TIMESTAMP, 0x2);
	CONST(NR_FORWARD, 0x4);
	CONST(NI_PRIV_MEM, 0x1);
	CONST(NM_IFRDATA_LEN, 256);
}

static void
test_request_layout(void)
{
	SIZE(struct nmreq_header, 88);
	FIELD(struct nmreq_header, nr_version, 0, 2);
	FIELD(struct nmreq_header, nr_reqtype, 2, 2);
	FIELD(struct nmreq_header, nr_reserved, 4, 4);
	FIELD(struct nmreq_header, nr_name, 8, 64);
	FIELD(struct nmreq_header, nr_options, 72, 8);
	FIELD(struct nmreq_header, nr_body, 80, 8);

	SIZE(struct nmreq_register, 56);
	FIELD(struct nmreq_register, nr_offset, 0, 8);
	FIELD(struct nmreq_register, nr_memsize, 8, 8);
	FIELD(struct nmreq_register, nr_tx_slots, 16, 4);
	FIELD(struct nmreq_register, nr_rx_slots, 20, 4);
	FIELD(struct nmreq_register, nr_tx_rings, 24, 2);
	FIELD(struct nmreq_register, nr_rx_rings, 26, 2);
	FIELD(struct nmreq_register, nr_host_tx_rings, 28, 2);
	FIELD(struct nmreq_register, nr_host_rx_rings, 30, 2);
	FIELD(struct nmreq_register, nr_mem_id, 32, 2);
	FIELD(struct nmreq_register, nr_ringid, 34, 2);
	FIELD(struct nmreq_register, nr_mode, 36, 4);
	FIELD(struct nmreq_register, nr_extra_bufs, 40, 4);
	FIELD(struct nmreq_register, nr_flags, 48, 8);

	SIZE(struct nmreq_port_info_get, 32);
	FIELD(struct nmreq_port_info_get, nr_memsize, 0, 8);
	FIELD(struct nmreq_port_info_get, nr_tx_slots, 8, 4);
	FIELD(struct nmreq_port_info_get, nr_rx_slots, 12, 4);
	FIELD(struct nmreq_port_info_get, nr_tx_rings, 16, 2);
	FIELD(struct nmreq_port_info_get, nr_rx_rings, 18, 2);
	FIELD(struct nmreq_port_info_get, nr_host_tx_rings, 20, 2);
	FIELD(struct nmreq_port_info_get, nr_host_rx_rings, 22, 2);
	FIELD(struct nmreq_port_info_get, nr_mem_id, 24, 2);
	FIELD(struct nmreq_port_info_get, pad, 26, 6);

	SIZE(struct nmreq_vale_attach, 64);
	FIELD(struct nmreq_vale_attach, reg, 0, 56);
	FIELD(struct nmreq_vale_attach, reg.nr_mode, 36, 4);
	FIELD(struct nmreq_vale_attach, reg.nr_mem_id, 32, 2);
	FIELD(struct nmreq_vale_attach, port_index, 56, 4);
	FIELD(struct nmreq_vale_attach, pad1, 60, 4);

	SIZE(struct nmreq_vale_detach, 8);
	FIELD(struct nmreq_vale_detach, port_index, 0, 4);
	FIELD(struct nmreq_vale_detach, pad1, 4, 4);

	SIZE(struct nmreq_vale_list, 8);
	FIELD(struct nmreq_vale_list, nr_bridge_idx, 0, 2);
	FIELD(struct nmreq_vale_list, pad1, 2, 2);
	FIELD(struct nmreq_vale_list, nr_port_idx, 4, 4);

	SIZE(struct nmreq_port_hdr, 8);
	FIELD(struct nmreq_port_hdr, nr_hdr_len, 0, 4);
	FIELD(struct nmreq_port_hdr, pad1, 4, 4);

	SIZE(struct nmreq_vale_newif, 16);
	FIELD(struct nmreq_vale_newif, nr_tx_slots, 0, 4);
	FIELD(struct nmreq_vale_newif, nr_rx_slots, 4, 4);
	FIELD(struct nmreq_vale_newif, nr_tx_rings, 8, 2);
	FIELD(struct nmreq_vale_newif, nr_rx_rings, 10, 2);
	FIELD(struct nmreq_vale_newif, nr_mem_id, 12, 2);
	FIELD(struct nmreq_vale_newif, pad1, 14, 2);

	SIZE(struct nmreq_vale_polling, 16);
	FIELD(struct nmreq_vale_polling, nr_mode, 0, 4);
	FIELD(struct nmreq_vale_polling, nr_first_cpu_id, 4, 4);
	FIELD(struct nmreq_vale_polling, nr_num_polling_cpus, 8, 4);
	FIELD(struct nmreq_vale_polling, pad1, 12, 4);

	SIZE(struct nmreq_pools_info, 64);
	FIELD(struct nmreq_pools_info, nr_memsize, 0, 8);
	FIELD(struct nmreq_pools_info, nr_mem_id, 8, 2);
	FIELD(struct nmreq_pools_info, pad1, 10, 6);
	FIELD(struct nmreq_pools_info, nr_if_pool_offset, 16, 8);
	FIELD(struct nmreq_pools_info, nr_if_pool_objtotal, 24, 4);
	FIELD(struct nmreq_pools_info, nr_if_pool_objsize, 28, 4);
	FIELD(struct nmreq_pools_info, nr_ring_pool_offset, 32, 8);
	FIELD(struct nmreq_pools_info, nr_ring_pool_objtotal, 40, 4);
	FIELD(struct nmreq_pools_info, nr_ring_pool_objsize, 44, 4);
	FIELD(struct nmreq_pools_info, nr_buf_pool_offset, 48, 8);
	FIELD(struct nmreq_pools_info, nr_buf_pool_objtotal, 56, 4);
	FIELD(struct nmreq_pools_info, nr_buf_pool_objsize, 60, 4);

	SIZE(struct nmreq_sync_kloop_start, 8);
	FIELD(struct nmreq_sync_kloop_start, sleep_us, 0, 4);
	FIELD(struct nmreq_sync_kloop_start, pad1, 4, 4);
}

static void
test_option_layout(void)
{
	SIZE(struct nmreq_option, 24);
	FIELD(struct nmreq_option, nro_next, 0, 8);
	FIELD(struct nmreq_option, nro_reqtype, 8, 4);
	FIELD(struct nmreq_option, nro_status, 12, 4);
	FIELD(struct nmreq_option, nro_size, 16, 8);

	/* body sizes the kernel copies in after the 24-byte header */
	SIZE(struct nmreq_opt_extmem, 96);
	CHECK_EQ("extmem body", sizeof(struct nmreq_opt_extmem) - 24, 72);
	FIELD(struct nmreq_opt_extmem, nro_opt, 0, 24);
	FIELD(struct nmreq_opt_extmem, nro_usrptr, 24, 8);
	FIELD(struct nmreq_opt_extmem, nro_info, 32, 64);

	SIZE(struct nmreq_opt_sync_kloop_eventfds, 24);
	FIELD(struct nmreq_opt_sync_kloop_eventfds, nro_opt, 0, 24);
	CHECK_EQ("offsetof(eventfds)",
		 offsetof(struct nmreq_opt_sync_kloop_eventfds, eventfds), 24);
	FIELD(struct nmreq_opt_sync_kloop_eventfds, eventfds[0], 24, 8);
	FIELD(struct nmreq_opt_sync_kloop_eventfds, eventfds[0].ioeventfd,
	      24, 4);
	FIELD(struct nmreq_opt_sync_kloop_eventfds, eventfds[0].irqfd, 28, 4);
	FIELD(struct nmreq_opt_sync_kloop_eventfds, eventfds[1], 32, 8);

	SIZE(struct nmreq_opt_csb, 40);
	CHECK_EQ("csb body", sizeof(struct nmreq_opt_csb) - 24, 16);
	FIELD(struct nmreq_opt_csb, nro_opt, 0, 24);
	FIELD(struct nmreq_opt_csb, csb_atok, 24, 8);
	FIELD(struct nmreq_opt_csb, csb_ktoa, 32, 8);

	SIZE(struct nmreq_opt_sync_kloop_mode, 32);
	CHECK_EQ("kloop_mode body",
		 sizeof(struct nmreq_opt_sync_kloop_mode) - 24, 8);
	FIELD(struct nmreq_opt_sync_kloop_mode, nro_opt, 0, 24);
	FIELD(struct nmreq_opt_sync_kloop_mode, mode, 24, 4);

	SIZE(struct nmreq_opt_offsets, 56);
	CHECK_EQ("offsets body", sizeof(struct nmreq_opt_offsets) - 24, 32);
	FIELD(struct nmreq_opt_offsets, nro_opt, 0, 24);
	FIELD(struct nmreq_opt_offsets, nro_max_offset, 24, 8);
	FIELD(struct nmreq_opt_offsets, nro_initial_offset, 32, 8);
	FIELD(struct nmreq_opt_offsets, nro_offset_bits, 40, 4);
	FIELD(struct nmreq_opt_offsets, nro_tx_align, 44, 4);
	FIELD(struct nmreq_opt_offsets, nro_min_gap, 48, 8);

	SIZE(struct nm_csb_atok, 64);
	FIELD(struct nm_csb_atok, head, 0, 4);
	FIELD(struct nm_csb_atok, cur, 4, 4);
	FIELD(struct nm_csb_atok, appl_need_kick, 8, 4);
	FIELD(struct nm_csb_atok, sync_flags, 12, 4);
	FIELD(struct nm_csb_atok, pad, 16, 48);

	SIZE(struct nm_csb_ktoa, 64);
	FIELD(struct nm_csb_ktoa, hwcur, 0, 4);
	FIELD(struct nm_csb_ktoa, hwtail, 4, 4);
	FIELD(struct nm_csb_ktoa, kern_need_kick, 8, 4);
	FIELD(struct nm_csb_ktoa, pad, 12, 52);
}

static void
test_legacy_layout(void)
{
	SIZE(struct nmreq, 60);
	FIELD(struct nmreq, nr_name, 0, 16);
	FIELD(struct nmreq, nr_version, 16, 4);
	FIELD(struct nmreq, nr_offset, 20, 4);
	FIELD(struct nmreq, nr_memsize, 24, 4);
	FIELD(struct nmreq, nr_tx_slots, 28, 4);
	FIELD(struct nmreq, nr_rx_slots, 32, 4);
	FIELD(struct nmreq, nr_tx_rings, 36, 2);
	FIELD(struct nmreq, nr_rx_rings, 38, 2);
	FIELD(struct nmreq, nr_ringid, 40, 2);
	FIELD(struct nmreq, nr_cmd, 42, 2);
	FIELD(struct nmreq, nr_arg1, 44, 2);
	FIELD(struct nmreq, nr_arg2, 46, 2);
	FIELD(struct nmreq, nr_arg3, 48, 4);
	FIELD(struct nmreq, nr_flags, 52, 4);
	FIELD(struct nmreq, spare2, 56, 4);

	SIZE(struct nm_ifreq, 272);
	FIELD(struct nm_ifreq, nifr_name, 0, 16);
	FIELD(struct nm_ifreq, data, 16, 256);
}

static void
test_shared_memory_layout(void)
{
	SIZE(struct netmap_if, 56);
	FIELD(struct netmap_if, ni_name, 0, 16);
	FIELD(struct netmap_if, ni_version, 16, 4);
	FIELD(struct netmap_if, ni_flags, 20, 4);
	FIELD(struct netmap_if, ni_tx_rings, 24, 4);
	FIELD(struct netmap_if, ni_rx_rings, 28, 4);
	FIELD(struct netmap_if, ni_bufs_head, 32, 4);
	FIELD(struct netmap_if, ni_host_tx_rings, 36, 4);
	FIELD(struct netmap_if, ni_host_rx_rings, 40, 4);
	FIELD(struct netmap_if, ni_spare1, 44, 12);
	FIELD(struct netmap_if, ring_ofs[0], 56, 8);
	FIELD(struct netmap_if, ring_ofs[1], 64, 8);

	SIZE(struct netmap_ring, 256);
	CHECK_EQ("alignof(struct netmap_ring)",
		 _Alignof(struct netmap_ring), 128);
	FIELD(struct netmap_ring, buf_ofs, 0, 8);
	FIELD(struct netmap_ring, num_slots, 8, 4);
	FIELD(struct netmap_ring, nr_buf_size, 12, 4);
	FIELD(struct netmap_ring, ringid, 16, 2);
	FIELD(struct netmap_ring, dir, 18, 2);
	FIELD(struct netmap_ring, head, 20, 4);
	FIELD(struct netmap_ring, cur, 24, 4);
	FIELD(struct netmap_ring, tail, 28, 4);
	FIELD(struct netmap_ring, flags, 32, 4);
	FIELD(struct netmap_ring, ts, 40, 16);
	FIELD(struct netmap_ring, ts.tv_sec, 40, 8);
	FIELD(struct netmap_ring, ts.tv_usec, 48, 8);
	FIELD(struct netmap_ring, offset_mask, 56, 8);
	FIELD(struct netmap_ring, buf_align, 64, 8);
	FIELD(struct netmap_ring, sem, 128, 128);
	FIELD(struct netmap_ring, slot[0], 256, 16);
	FIELD(struct netmap_ring, slot[3], 256 + 3 * 16, 16);

	SIZE(struct netmap_slot, 16);
	FIELD(struct netmap_slot, buf_idx, 0, 4);
	FIELD(struct netmap_slot, len, 4, 2);
	FIELD(struct netmap_slot, flags, 6, 2);
	FIELD(struct netmap_slot, ptr, 8, 8);

	/* buf_ofs is signed: the buffer pool may lie before the ring */
	CHECK_EQ("buf_ofs is signed",
		 (int)((__typeof__(((struct netmap_ring *)0)->buf_ofs))-1 < 0),
		 1);
	CHECK_EQ("ring_ofs is signed",
		 (int)((__typeof__(((struct netmap_if *)0)->ring_ofs[0]))-1 < 0),
		 1);
}

/* ------------------------------------------------------------------------
 * Synthetic region.  The kernel-owned fields are const for userspace; the
 * test plays the kernel and writes them through these helpers (the memory
 * comes from malloc, so it is not a const object).
 */
static void
set_u16(const uint16_t *p, uint16_t v)
{
	*(uint16_t *)(uintptr_t)p = v;
}

static void
set_u32(const uint32_t *p, uint32_t v)
{
	*(uint32_t *)(uintptr_t)p = v;
}

static void
set_u64(const uint64_t *p, uint64_t v)
{
	*(uint64_t *)(uintptr_t)p = v;
}

static void
set_i64(const int64_t *p, int64_t v)
{
	*(int64_t *)(uintptr_t)p = v;
}

static void
set_ssz(const ssize_t *p, ssize_t v)
{
	*(ssize_t *)(uintptr_t)p = v;
}

enum {
	T_NIC_TX = 2, T_HOST_TX = 1, T_NIC_RX = 3, T_HOST_RX = 1,
	T_RINGS = T_NIC_TX + T_HOST_TX + T_NIC_RX + T_HOST_RX,
	T_SLOTS = 10,			/* deliberately not a power of two */
	T_BUFSZ = 2048,
	T_NBUFS = 32,
	T_IF_OFS = 0x200,		/* "nr_offset" */
	T_RING_SIZE = 256 + T_SLOTS * 16 + 96,	/* 512: keeps 128 alignment */
	T_TX_AREA = 0x1000,		/* TX rings here, before the pool */
	T_POOL = 0x4000,		/* buffer pool */
	T_RX_AREA = T_POOL + T_NBUFS * T_BUFSZ, /* RX rings after the pool */
	T_REGION = T_RX_AREA + 8 * T_RING_SIZE,
};

_Static_assert(T_RING_SIZE % 128 == 0, "synthetic ring size");

/* Offset of ring r (ring_ofs[] order) from the start of the region. */
static size_t
ring_region_ofs(int r)
{
	int ntx = T_NIC_TX + T_HOST_TX;

	if (r < ntx)
		return T_TX_AREA + (size_t)r * T_RING_SIZE;
	return T_RX_AREA + (size_t)(r - ntx) * T_RING_SIZE;
}

static void
build_region(char *mem)
{
	struct netmap_if *nifp = (struct netmap_if *)(void *)(mem + T_IF_OFS);
	int r;

	memset(mem, 0, T_REGION);
	memcpy((char *)(uintptr_t)nifp->ni_name, "synth0", 7);
	set_u32(&nifp->ni_tx_rings, T_NIC_TX);
	set_u32(&nifp->ni_rx_rings, T_NIC_RX);
	set_u32(&nifp->ni_host_tx_rings, T_HOST_TX);
	set_u32(&nifp->ni_host_rx_rings, T_HOST_RX);

	for (r = 0; r < T_RINGS; r++) {
		size_t ofs = ring_region_ofs(r);
		struct netmap_ring *ring =
			(struct netmap_ring *)(void *)(mem + ofs);
		uint32_t i;

		set_ssz(&nifp->ring_ofs[r], (ssize_t)ofs - T_IF_OFS);
		set_i64(&ring->buf_ofs, (int64_t)T_POOL - (int64_t)ofs);
		set_u32(&ring->num_slots, T_SLOTS);
		set_u32(&ring->nr_buf_size, T_BUFSZ);
		/* ringid: the index within its direction; dir: 0 TX, 1 RX */
		set_u16(&ring->ringid, (uint16_t)(r < T_NIC_TX + T_HOST_TX ?
					r : r - (T_NIC_TX + T_HOST_TX)));
		set_u16(&ring->dir, r < T_NIC_TX + T_HOST_TX ? 0 : 1);
		for (i = 0; i < T_SLOTS; i++)
			ring->slot[i].buf_idx = 2 + (uint32_t)r * 4 + i % 4;
	}
}

static void
test_ring_lookup(char *mem)
{
	struct netmap_if *nifp = NETMAP_IF(mem, T_IF_OFS);
	int i;

	CHECK_EQ("NETMAP_IF", (char *)nifp - mem, T_IF_OFS);
	CHECK_EQ("ni_name", strcmp(nifp->ni_name, "synth0"), 0);

	for (i = 0; i < T_NIC_TX + T_HOST_TX; i++) {
		struct netmap_ring *ring = NETMAP_TXRING(nifp, i);

		CHECK_EQ("NETMAP_TXRING position", (char *)ring - mem,
			 ring_region_ofs(i));
		CHECK_EQ("TX ring dir", ring->dir, 0);
		CHECK_EQ("TX ring ringid", ring->ringid, i);
	}
	for (i = 0; i < T_NIC_RX + T_HOST_RX; i++) {
		struct netmap_ring *ring = NETMAP_RXRING(nifp, i);

		CHECK_EQ("NETMAP_RXRING position", (char *)ring - mem,
			 ring_region_ofs(T_NIC_TX + T_HOST_TX + i));
		CHECK_EQ("RX ring dir", ring->dir, 1);
		CHECK_EQ("RX ring ringid", ring->ringid, i);
	}
	/* RX ring 0 is after the host TX rings, not at ring_ofs[ni_tx_rings] */
	CHECK_EQ("RX ring 0 skips host TX",
		 (char *)NETMAP_RXRING(nifp, 0) ==
		 (char *)NETMAP_TXRING(nifp, T_NIC_TX), 0);
	/* the host TX ring is the first TX ring after the hardware ones */
	CHECK_EQ("host TX ring", (char *)NETMAP_TXRING(nifp, T_NIC_TX) - mem,
		 ring_region_ofs(T_NIC_TX));
}

static void
test_buffers(char *mem)
{
	struct netmap_if *nifp = NETMAP_IF(mem, T_IF_OFS);
	struct netmap_ring *tx = NETMAP_TXRING(nifp, 1);
	struct netmap_ring *rx = NETMAP_RXRING(nifp, 2);
	uint32_t idx;

	CHECK_EQ("TX buf_ofs > 0", tx->buf_ofs > 0, 1);
	CHECK_EQ("RX buf_ofs < 0", rx->buf_ofs < 0, 1);

	for (idx = 0; idx < T_NBUFS; idx++) {
		char *bt = NETMAP_BUF(tx, idx);
		char *br = NETMAP_BUF(rx, idx);

		CHECK_EQ("NETMAP_BUF (pool after ring)", bt - mem,
			 T_POOL + (size_t)idx * T_BUFSZ);
		CHECK_EQ("NETMAP_BUF (pool before ring)", br - mem,
			 T_POOL + (size_t)idx * T_BUFSZ);
		CHECK_EQ("NETMAP_BUF_IDX start", NETMAP_BUF_IDX(tx, bt), idx);
		CHECK_EQ("NETMAP_BUF_IDX inside",
			 NETMAP_BUF_IDX(rx, br + T_BUFSZ - 1), idx);
	}

	/* a write through one ring's view is seen through the other's */
	idx = tx->slot[3].buf_idx;
	memcpy(NETMAP_BUF(tx, idx), "hello", 6);
	CHECK_EQ("shared buffer", strcmp(NETMAP_BUF(rx, idx), "hello"), 0);

	/* extra-buffer list: first uint32_t of each buffer links the next */
	nifp->ni_bufs_head = 20;
	memcpy(NETMAP_BUF(tx, 20), &(uint32_t){ 21 }, 4);
	memcpy(NETMAP_BUF(tx, 21), &(uint32_t){ 0 }, 4);
	{
		uint32_t b = nifp->ni_bufs_head, n = 0;

		while (b != 0 && n < T_NBUFS) {
			memcpy(&b, NETMAP_BUF(tx, b), 4);
			n++;
		}
		CHECK_EQ("extra buffer list length", n, 2);
	}
}

static void
test_ring_indices(char *mem)
{
	struct netmap_ring *r = NETMAP_TXRING(NETMAP_IF(mem, T_IF_OFS), 0);
	uint32_t i;

	for (i = 0; i + 1 < T_SLOTS; i++)
		CHECK_EQ("nm_ring_next", nm_ring_next(r, i), i + 1);
	CHECK_EQ("nm_ring_next wraps", nm_ring_next(r, T_SLOTS - 1), 0);

	/* no wrap */
	r->head = r->cur = 2;
	r->tail = 7;
	CHECK_EQ("nm_ring_space", nm_ring_space(r), 5);
	CHECK_EQ("nm_ring_empty", nm_ring_empty(r), 0);

	/* wrap: cur 7 .. tail 2 over a 10-slot ring */
	r->head = r->cur = 7;
	r->tail = 2;
	CHECK_EQ("nm_ring_space wraps", nm_ring_space(r), 5);

	/* cur ahead of head: space counts from cur */
	r->head = 7;
	r->cur = 9;
	CHECK_EQ("nm_ring_space from cur", nm_ring_space(r), 3);

	/* empty */
	r->head = r->cur = r->tail = 4;
	CHECK_EQ("nm_ring_space empty", nm_ring_space(r), 0);
	CHECK_EQ("nm_ring_empty empty", nm_ring_empty(r), 1);

	/* full TX ring after a sync: num_slots - 1 free slots */
	r->head = r->cur = 3;
	r->tail = 2;
	CHECK_EQ("nm_ring_space full", nm_ring_space(r), T_SLOTS - 1);
	CHECK_EQ("nm_tx_pending idle", nm_tx_pending(r), 0);

	/* the user queued 2 packets: head moved, tail not yet */
	r->head = r->cur = 5;
	CHECK_EQ("nm_tx_pending busy", nm_tx_pending(r), 1);

	/* idle at the wrap point: tail = num_slots - 1, head = 0 */
	r->head = r->cur = 0;
	r->tail = T_SLOTS - 1;
	CHECK_EQ("nm_tx_pending idle at wrap", nm_tx_pending(r), 0);
	CHECK_EQ("nm_ring_space at wrap", nm_ring_space(r), T_SLOTS - 1);
}

static void
test_slots_and_offsets(char *mem)
{
	struct netmap_ring *r = NETMAP_TXRING(NETMAP_IF(mem, T_IF_OFS), 0);
	struct netmap_slot *s = &r->slot[1];

	s->flags = NS_MOREFRAG | (3 << NS_PORT_SHIFT);
	CHECK_EQ("NS_RFRAGS", NS_RFRAGS(s), 3);
	CHECK_EQ("NS_PORT_MASK", s->flags & NS_PORT_MASK, 0x300);

	/* no OFFSETS option: offset_mask 0, offset always 0 */
	s->ptr = 0x1234;
	CHECK_EQ("NETMAP_ROFFSET mask 0", NETMAP_ROFFSET(r, s), 0);
	NETMAP_WOFFSET(r, s, 64);
	CHECK_EQ("NETMAP_WOFFSET mask 0 keeps ptr", s->ptr, 0x1234);
	CHECK_EQ("NETMAP_BUF_OFFSET mask 0",
		 NETMAP_BUF_OFFSET(r, s) - NETMAP_BUF(r, s->buf_idx), 0);

	/* 12 offset bits */
	set_u64(&r->offset_mask, 0xfff);
	s->ptr = 0xabcd000ULL | 0x40;
	CHECK_EQ("NETMAP_ROFFSET", NETMAP_ROFFSET(r, s), 0x40);
	NETMAP_WOFFSET(r, s, 0x80);
	CHECK_EQ("NETMAP_WOFFSET keeps high bits", s->ptr, 0xabcd080ULL);
	CHECK_EQ("NETMAP_ROFFSET after write", NETMAP_ROFFSET(r, s), 0x80);
	NETMAP_WOFFSET(r, s, 0x1010);	/* too big: masked */
	CHECK_EQ("NETMAP_WOFFSET masks", NETMAP_ROFFSET(r, s), 0x010);
	NETMAP_WOFFSET(r, s, 0x80);
	CHECK_EQ("NETMAP_BUF_OFFSET", NETMAP_BUF_OFFSET(r, s) - mem,
		 T_POOL + (size_t)s->buf_idx * T_BUFSZ + 0x80);
	set_u64(&r->offset_mask, 0);
}

static void
test_pkt_copy(void)
{
	static const int lens[] = { 1, 60, 63, 64, 128, 960, 1000, 1024, 1514,
				    2048 };
	unsigned char src[2048 + 64], dst[2048 + 64];
	size_t k;
	int i;

	for (i = 0; i < (int)sizeof(src); i++)
		src[i] = (unsigned char)(i * 7 + 1);

	for (k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
		int len = lens[k];

		memset(dst, 0xee, sizeof(dst));
		nm_pkt_copy(src, dst, len);
		CHECK_EQ("nm_pkt_copy data", memcmp(src, dst, (size_t)len), 0);
		CHECK_EQ("nm_pkt_copy no overrun",
			 dst[len] == 0xee && dst[len + 63] == 0xee, 1);
	}
	memset(dst, 0xee, sizeof(dst));
	nm_pkt_copy(src, dst, 0);
	CHECK_EQ("nm_pkt_copy len 0", dst[0], 0xee);
}

int
main(void)
{
	char *mem;

	test_constants();
	test_request_layout();
	test_option_layout();
	test_legacy_layout();
	test_shared_memory_layout();

	/* 4096-aligned like an mmapped region; rings need 128 alignment */
	mem = aligned_alloc(4096, T_REGION);
	if (mem == NULL) {
		printf("FAIL: cannot allocate the synthetic region\n");
		return 1;
	}
	build_region(mem);
	test_ring_lookup(mem);
	test_buffers(mem);
	test_ring_indices(mem);
	test_slots_and_offsets(mem);
	free(mem);

	test_pkt_copy();

	printf("%u passed, %u failed\n", n_pass, n_fail);
	return n_fail == 0 ? 0 : 1;
}
