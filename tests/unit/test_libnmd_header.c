// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_libnmd_header - include/libnmd.h compiles alone, first, in strict
 * C11 (no GNU extensions: CMake sets C_EXTENSIONS OFF for this target), as
 * an application using `pkg-config --cflags libnmd` would include it; and
 * the ring macros work on a port's nifp without any other include.
 */
#include "libnmd.h"

#include "check.h"

int main(void)
{
	struct nmd_port p = { .fd = -1 };
	struct nmd_error e = { 0 };
	char label[16];

	CHECK(sizeof(p.nifp->ring_ofs[0]) == sizeof(ssize_t), "ring_ofs via the header");
	CHECK(nmd_port_mode_name(NMD_MODE_NIC_SW) && !nmd_port_mode_name((enum nmd_port_mode)9), "modes");
	nmd_label_from_name("vale0:vm1", label, sizeof(label));
	CHECK(label[5] == '.', "label");
	nmd_label_from_name("a-very-long-port:name", label, 4);
	CHECK(label[3] == '\0', "label cut");
	nmd_error_clear(&e);
	CHECK(e.code == 0 && e.message[0] == '\0', "clear");
	CHECK(nmd_code_message(NMD_ERR_PERMISSION)[0] == 'P', "code message");
	return check_summary();
}
