/* SPDX-License-Identifier: BSD-2-Clause */
/* The /dev/netmap character device. */
#ifndef NM_DEV_H
#define NM_DEV_H

int nm_dev_init(void);
void nm_dev_uninit(void);

#endif /* NM_DEV_H */
