/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * nml.h - the frames the libnetmap guest programs send and count: 60-byte
 * broadcasts of ethertype 0x88b5 (local experimental) carrying "NMLB" and a
 * sequence number, so that a receiver counts only what the test sent (a NIC
 * also sees the host's own frames).
 */
#ifndef NML_H
#define NML_H

#include <stdint.h>
#include <string.h>
#include <time.h>

#define NML_LEN 60

static inline void nml_frame(unsigned char *f, uint32_t seq)
{
	static const unsigned char hdr[14] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					       0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x88, 0xb5 };

	memset(f, 0, NML_LEN);
	memcpy(f, hdr, sizeof(hdr));
	memcpy(f + 14, "NMLB", 4);
	memcpy(f + 18, &seq, sizeof(seq));
}

static inline int nml_ours(const unsigned char *f, unsigned int len)
{
	return len >= 22 && f[12] == 0x88 && f[13] == 0xb5 && !memcmp(f + 14, "NMLB", 4);
}

static inline double nml_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif /* NML_H */
