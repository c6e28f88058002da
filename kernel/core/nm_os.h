/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * nm_os.h - the porting header of the OS-independent datapath core.
 *
 * Files in kernel/core/ are built twice: into netmap.ko (Kbuild, __KERNEL__)
 * and, with NM_USERSPACE defined, into a host library that the unit tests
 * run under ASan/UBSan and the benchmarks time. They include only this
 * header and the ABI header; everything they need from the environment is
 * named here:
 *
 *   types            u8 u16 u32 u64, bool
 *   compiler         likely() unlikely() READ_ONCE() WRITE_ONCE(),
 *                    nm_os_barrier() (compiler barrier: memory may have changed)
 *   byte order       get_unaligned_be16/32/64(): big-endian loads at any
 *                    alignment (the kernel's; the host build's below)
 *   ordering         smp_load_acquire() smp_store_release() smp_mb()
 *   the busy bit     nm_os_tryget() / nm_os_put(): one owner at a time,
 *                    acquire/release semantics, never sleeps;
 *                    nm_os_tryget_mon() / nm_os_put_mon(): the same for a
 *                    monitor's short work (NM_OS_BUSY_MON also set: a sync
 *                    that finds it waits instead of failing), run with
 *                    nm_os_preempt_disable() where nm_os_ctx_ok();
 *                    nm_os_cpu_relax()
 *   flags            nm_os_flag_set/_test/_test_and_clear(): bit 0 of an
 *                    unsigned long, atomic, full barriers on set and clear
 *   prefetch         nm_prefetch()
 *   logging          nm_os_prlim(): rate limited, for the packet path
 *   time             nm_os_microtime(): fills netmap_ring::ts
 *   buffers          nm_os_buf_valid(): is a buffer index usable in a region;
 *                    nm_os_buf_addr(): its address (VALE copies data);
 *                    nm_os_buf_total(): the size of its pool (kring init);
 *                    nm_os_buf_base(), nm_os_buf_stride(): buffer 0 and
 *                    the distance between two buffers, for the kring's
 *                    inline copy of nm_os_buf_addr() (kring init)
 *   VALE             nm_os_lock_t (per destination ring), nm_os_rcu_*()
 *                    (the port table), nm_os_copy_indirect_nofault()
 *                    (NS_INDIRECT: never sleeps, see struct nm_kring_fault)
 *   wakeups          struct nm_os_kring: the per-ring wait state
 *
 * In the kernel the region is the opaque struct nm_mem of kernel/mem.h. In
 * host builds it is the small stand-in below, which only knows the bounds of
 * the buffer pool: that is all the core may ask of a region.
 */
#ifndef NM_OS_H
#define NM_OS_H

#ifdef NM_USERSPACE
/* ------------------------------------------------------------------ host */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/time.h>
#include <net/netmap.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;

/*
 * RCU: an RCU-protected pointer is marked __rcu (for sparse; nothing
 * here), published with nm_os_rcu_assign_pointer() and read by the
 * control path, which holds nm_ctrl_lock in the kernel, with
 * nm_os_rcu_dereference_ctrl().
 */
#ifndef __rcu
#define __rcu
#endif
#define nm_os_rcu_assign_pointer(p, v)	__atomic_store_n(&(p), (v), __ATOMIC_RELEASE)
#define nm_os_rcu_dereference_ctrl(p)	(p)

#ifndef likely
#define likely(x)	__builtin_expect(!!(x), 1)
#endif
#ifndef unlikely
#define unlikely(x)	__builtin_expect(!!(x), 0)
#endif
#define READ_ONCE(x)		(*(const volatile __typeof__(x) *)&(x))
#define nm_os_barrier()		__asm__ __volatile__("" ::: "memory")
#define WRITE_ONCE(x, v)	(*(volatile __typeof__(x) *)&(x) = (v))
#define smp_load_acquire(p)	__atomic_load_n((p), __ATOMIC_ACQUIRE)
#define smp_store_release(p, v)	__atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define smp_mb()		__atomic_thread_fence(__ATOMIC_SEQ_CST)
#define nm_prefetch(p)		__builtin_prefetch(p)
#define NM_CACHE_ALIGNED	__attribute__((__aligned__(64)))

/* The kernel's <linux/unaligned.h> loads: one memory access, then a byte swap. */
#define NM_OS_GET_UNALIGNED_BE(bits)						\
static inline uint##bits##_t get_unaligned_be##bits(const void *p)		\
{										\
	uint##bits##_t v;							\
										\
	__builtin_memcpy(&v, p, sizeof(v));					\
	return __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? __builtin_bswap##bits(v) : v; \
}
NM_OS_GET_UNALIGNED_BE(16)
NM_OS_GET_UNALIGNED_BE(32)
NM_OS_GET_UNALIGNED_BE(64)
#undef NM_OS_GET_UNALIGNED_BE

/* Host logging is limited per call site too, so tests that provoke errors stay readable. */
#define nm_os_prlim(fmt, ...) do {						\
	static unsigned int nm_prlim_count_;					\
	if (nm_prlim_count_++ < 5)						\
		fprintf(stderr, "netmap: " fmt, ##__VA_ARGS__);			\
} while (0)

/* Host stand-in for a memory region: the bounds of its buffer pool. */
struct nm_mem {
	u32 nbufs;		/* buffers 0 .. nbufs-1 exist; 0 and 1 are reserved */
	u32 buf_size;
	unsigned char *base;	/* nbufs * buf_size bytes, for nm_os_buf_addr() (VALE) */
};

static inline bool nm_os_buf_valid(const struct nm_mem *mem, u32 idx)
{
	return idx >= 2 && idx < mem->nbufs;
}

/* Address of buffer @idx; an invalid index gives buffer 0, as in the kernel. */
static inline void *nm_os_buf_addr(const struct nm_mem *mem, u32 idx)
{
	return mem->base + (idx < mem->nbufs ? (size_t)idx * mem->buf_size : 0);
}

/* Buffers in the region (valid indexes are 2 .. this - 1); fixed at creation. */
static inline u32 nm_os_buf_total(const struct nm_mem *mem)
{
	return mem->nbufs;
}

static inline unsigned char *nm_os_buf_base(const struct nm_mem *mem)
{
	return mem->base;
}

static inline u32 nm_os_buf_stride(const struct nm_mem *mem)
{
	return mem->buf_size;
}

/*
 * VALE (vale_fwd.c): a lock per destination RX ring, taken once per batch,
 * the RCU read side around a switch's port table, and the copy of an
 * NS_INDIRECT payload from the sender's memory (here: a plain pointer; a
 * test may set nm_os_not_resident to play pages that are not resident).
 */
typedef struct {
	int locked;
} nm_os_lock_t;

static inline void nm_os_lock_init(nm_os_lock_t *l)
{
	l->locked = 0;
}

static inline void nm_os_lock(nm_os_lock_t *l)
{
	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
		;
}

static inline void nm_os_unlock(nm_os_lock_t *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

#define nm_os_rcu_read_lock()		do { } while (0)
#define nm_os_rcu_read_unlock()		do { } while (0)
#define nm_os_rcu_dereference(p)	__atomic_load_n(&(p), __ATOMIC_ACQUIRE)

extern bool (*nm_os_not_resident)(u64 uptr, u32 len);

static inline int nm_os_copy_indirect_nofault(void *dst, u64 uptr, u32 len)
{
	if (!uptr || (nm_os_not_resident && nm_os_not_resident(uptr, len)))
		return -EFAULT;
	__builtin_memcpy(dst, (const void *)(uintptr_t)uptr, len);
	return 0;
}

/* Set by host programs to emulate the no_timestamp module parameter. */
extern int nm_os_no_timestamp;

static inline bool nm_os_timestamp_enabled(void)
{
	return !nm_os_no_timestamp;
}

static inline void nm_os_microtime(struct netmap_ring *ring)
{
	gettimeofday(&ring->ts, NULL);
}

/* Per-ring wakeup state: host programs count notifications. */
struct nm_os_kring {
	unsigned long notified;
};

static inline bool nm_os_tryget(unsigned long *busy)
{
	return !(__atomic_fetch_or(busy, 1UL, __ATOMIC_ACQUIRE) & 1UL);
}

static inline void nm_os_put(unsigned long *busy)
{
	__atomic_store_n(busy, 0UL, __ATOMIC_RELEASE);
}

#define NM_OS_BUSY_MON		2UL

static inline bool nm_os_tryget_mon(unsigned long *busy)
{
	unsigned long free_ = 0;

	return __atomic_compare_exchange_n(busy, &free_, 1UL | NM_OS_BUSY_MON, false,
					   __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

static inline void nm_os_put_mon(unsigned long *busy)
{
	__atomic_store_n(busy, 0UL, __ATOMIC_RELEASE);
}

#define nm_os_cpu_relax()		nm_os_barrier()
#define nm_os_ctx_ok()			true
#define nm_os_preempt_disable()		do { } while (0)
#define nm_os_preempt_enable()		do { } while (0)

static inline void nm_os_flag_set(unsigned long *f)
{
	__atomic_fetch_or(f, 1UL, __ATOMIC_SEQ_CST);
}

static inline bool nm_os_flag_test(unsigned long *f)
{
	return __atomic_load_n(f, __ATOMIC_SEQ_CST) & 1UL;
}

static inline bool nm_os_flag_test_and_clear(unsigned long *f)
{
	return __atomic_fetch_and(f, ~1UL, __ATOMIC_SEQ_CST) & 1UL;
}

#else /* !NM_USERSPACE */
/* ---------------------------------------------------------------- kernel */
#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/hardirq.h>
#include <linux/irqflags.h>
#include <linux/lockdep.h>
#include <linux/mutex.h>
#include <linux/preempt.h>
#include <linux/prefetch.h>
#include <linux/printk.h>
#include <linux/ratelimit.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <asm/barrier.h>
#include <net/netmap.h>

#include "../mem.h"
#include "../params.h"

/* get_unaligned_be16/32/64(): compat.h includes their header (it moved in 6.12). */
#define nm_prefetch(p)		prefetch(p)
#define nm_os_barrier()		barrier()
#define NM_CACHE_ALIGNED	____cacheline_aligned_in_smp
/* The including file sets pr_fmt, so every line starts with "netmap: ". */
#define nm_os_prlim(fmt, ...)	pr_err_ratelimited(fmt, ##__VA_ARGS__)

/* Lock-free: mem.h promises this on the packet path. 0 and 1 are never real. */
static inline bool nm_os_buf_valid(const struct nm_mem *mem, u32 idx)
{
	return likely(idx >= 2) && nm_mem_buf_valid(mem, idx);
}

static inline void *nm_os_buf_addr(const struct nm_mem *mem, u32 idx)
{
	return nm_mem_buf_addr(mem, idx);
}

/* Control path only (a region's size is fixed at its creation). */
static inline u32 nm_os_buf_total(const struct nm_mem *mem)
{
	struct nmreq_pools_info info;

	nm_mem_pools_info(mem, &info);
	return info.nr_buf_pool_objtotal;
}

/* Control path only: buffer 0 and the stride of the linear buffer pool (mem.h). */
static inline unsigned char *nm_os_buf_base(const struct nm_mem *mem)
{
	return nm_mem_buf_addr(mem, 0);
}

static inline u32 nm_os_buf_stride(const struct nm_mem *mem)
{
	return nm_mem_buf_size(mem);
}

/*
 * VALE (vale_fwd.c): the lock of a destination RX ring (taken once per
 * batch; senders run in process context, or in softirq context when the
 * sender is a NIC on the switch (kernel/vale_nic.c): hence _bh), the RCU
 * read side around a switch's port table, and the copy of an NS_INDIRECT
 * payload from the sender's address space. That copy runs with the TX
 * kring's busy bit (and, in vale.c, the RCU read lock) held, so it must not
 * sleep: page faults are disabled and a page that is not resident fails
 * with -EFAULT; the caller of the sync faults it in afterwards (struct
 * nm_kring_fault). Never called for a NIC source.
 */
typedef spinlock_t nm_os_lock_t;
#define nm_os_lock_init(l)		spin_lock_init(l)
#define nm_os_lock(l)			spin_lock_bh(l)
#define nm_os_unlock(l)			spin_unlock_bh(l)
#define nm_os_rcu_read_lock()		rcu_read_lock()
#define nm_os_rcu_read_unlock()		rcu_read_unlock()
#define nm_os_rcu_dereference(p)	rcu_dereference(p)
#define nm_os_rcu_assign_pointer(p, v)	rcu_assign_pointer(p, v)
/* The control path's reads of RCU pointers hold the control lock (port.h). */
extern struct mutex nm_ctrl_lock;
#define nm_os_rcu_dereference_ctrl(p)	rcu_dereference_protected(p, lockdep_is_held(&nm_ctrl_lock))

static inline int nm_os_copy_indirect_nofault(void *dst, u64 uptr, u32 len)
{
	return copy_from_user_nofault(dst, u64_to_user_ptr(uptr), len) ? -EFAULT : 0;
}

static inline bool nm_os_timestamp_enabled(void)
{
	return !READ_ONCE(nm_no_timestamp);
}

static inline void nm_os_microtime(struct netmap_ring *ring)
{
	struct timespec64 ts;

	ktime_get_real_ts64(&ts);
	ring->ts.tv_sec = ts.tv_sec;
	ring->ts.tv_usec = ts.tv_nsec / NSEC_PER_USEC;
}

/*
 * Per-ring wait queue. poll() sleeps here when the fd is bound to this one
 * ring of its direction; kernel/port.c wakes it (and the port-wide queue).
 */
struct nm_os_kring {
	wait_queue_head_t wq;
};

static inline bool nm_os_tryget(unsigned long *busy)
{
	return !test_and_set_bit_lock(0, busy);
}

static inline void nm_os_put(unsigned long *busy)
{
	clear_bit_unlock(0, busy);
}

#define NM_OS_BUSY_MON		2UL

static inline bool nm_os_tryget_mon(unsigned long *busy)
{
	return cmpxchg_acquire(busy, 0UL, 1UL | NM_OS_BUSY_MON) == 0UL;
}

/* Both bits at once: a waiting sync never sees bit 0 without NM_OS_BUSY_MON. */
static inline void nm_os_put_mon(unsigned long *busy)
{
	smp_store_release(busy, 0UL);
}

#define nm_os_cpu_relax()		cpu_relax()
/* Where the _bh locks of the copy may be taken: not hard irq, NMI, or irqs off. */
#define nm_os_ctx_ok()			(!in_hardirq() && !in_nmi() && !irqs_disabled())
#define nm_os_preempt_disable()		preempt_disable()
#define nm_os_preempt_enable()		preempt_enable()

static inline void nm_os_flag_set(unsigned long *f)
{
	set_bit(0, f);
	smp_mb__after_atomic();
}

static inline bool nm_os_flag_test(unsigned long *f)
{
	return test_bit(0, f);
}

static inline bool nm_os_flag_test_and_clear(unsigned long *f)
{
	return test_and_clear_bit(0, f);	/* fully ordered */
}

#endif /* NM_USERSPACE */

#endif /* NM_OS_H */
