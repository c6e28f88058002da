/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vale_vnet.h - VALE forwarding between ports whose virtio-net header
 * lengths differ (PORT_HDR_SET), OS-independent.
 *
 * A VALE port's frames start with a virtio-net header of its hdr_len
 * bytes (0, 10 or 12). Between ports of the same length the forwarder
 * copies frames as they are (vale_fwd.c). Otherwise each packet goes
 * through nm_vale_vnet_copy(), which writes it into the destination ring
 * with the destination's header:
 *   - 0 -> 10/12: a zeroed header is prepended;
 *   - 10 -> 12: the 10 source bytes, then 2 zero bytes;
 *   - 12 -> 10: the first 10 source bytes;
 *   - 10/12 -> 0: the header is removed and its offloads applied: a bad
 *     header (unknown gso_type, or a packet shorter than the header) drops
 *     the packet; VIRTIO_NET_HDR_F_NEEDS_CSUM completes the checksum at
 *     csum_start + csum_offset; a GSO packet (TCPv4, TCPv6, UDP) is cut
 *     into frames of at most NM_VALE_VNET_MFS bytes, IP and L4 headers and
 *     checksums fixed up.
 * The payload follows the destination header; destination slots are
 * chained with NS_MOREFRAG and carry the fragment count in the high byte
 * of flags, as in vale_fwd.c.
 *
 * Runs in the forwarder, under the destination ring's lock: it never
 * sleeps and allocates nothing.
 */
#ifndef NM_VALE_VNET_H
#define NM_VALE_VNET_H

#include "vale_fwd.h"

#define NM_VALE_VNET_HDR_LEN	10	/* struct virtio_net_hdr */
#define NM_VALE_VNET_HDR_LEN_MRG 12	/* ... with num_buffers */
#define NM_VALE_VNET_MFS	1514	/* a frame without header, as netmap's default */

/* Is @len a header length PORT_HDR_SET accepts? */
static inline bool nm_vale_vnet_len_ok(u32 len)
{
	return len == 0 || len == NM_VALE_VNET_HDR_LEN || len == NM_VALE_VNET_HDR_LEN_MRG;
}

/*
 * Write packet @p of @q (its frames carry a header of @sh bytes) into the
 * RX ring @rx from slot @tail on, with a header of @dh bytes, using at
 * most @space slots. Returns the slots used and the frames written in
 * *@frames (more than one for a GSO packet cut into segments), or 0 when
 * the packet is dropped (bad header, no room): nothing is written then.
 */
u32 nm_vale_vnet_copy(const struct nm_vale_txq *q, const struct nm_vale_pkt *p, u32 sh,
		      struct nm_kring *rx, u32 tail, u32 space, u32 dh, u32 *frames);

#endif /* NM_VALE_VNET_H */
