// SPDX-License-Identifier: BSD-2-Clause
/*
 * In-kernel self-test of the memory regions, run once at module load.
 *
 * Built only with NETMAP_SELFTEST=1 (see kernel/Kbuild): mem.c includes this
 * file at its end (as WireGuard does with its selftests), so the test sees
 * the region internals. It exercises what the host unit test cannot: real
 * pages, vmap, the registry, reference counting through a user mapping
 * (fault, split, unmap) and the global region's parameter snapshot.
 *
 * It runs in the context of the process that loads the module (insmod),
 * whose address space it borrows for the mmap test, and prints
 *   "netmap: mem selftest: N passed, M failed"
 * and one line per failed check. It never fails the module load: the mapping
 * test leaves a file whose last fput() is deferred to the return to
 * userspace, which must find the module still there. The VM check greps the
 * summary line.
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/mman.h>
#include <linux/uaccess.h>

static unsigned int nm_st_pass, nm_st_fail;

#define NM_ST(cond)							\
	do {								\
		if (cond) {						\
			nm_st_pass++;					\
		} else {						\
			nm_st_fail++;					\
			pr_err("mem selftest: line %d: %s\n", __LINE__, #cond); \
		}							\
	} while (0)

static u32 nm_st_in_use(struct nm_mem *mem, int pool)
{
	u32 n;

	mutex_lock(&mem->lock);
	n = nm_objpool_in_use_count(&mem->pools[pool]);
	mutex_unlock(&mem->lock);
	return n;
}

/* A ring as nm_mem_ring_alloc() promises it, seen with userspace's arithmetic. */
static void nm_st_check_ring(struct nm_mem *mem, struct netmap_ring *ring,
			     u32 num_slots, u16 ringid, bool rx, unsigned long *seen)
{
	u32 i, bad = 0;

	NM_ST(ring->num_slots == num_slots);
	NM_ST(ring->nr_buf_size == mem->buf_size);
	NM_ST(ring->ringid == ringid);
	NM_ST(ring->dir == rx);
	NM_ST(ring->head == 0 && ring->cur == 0);
	NM_ST(ring->tail == (rx ? 0 : num_slots - 1));
	NM_ST(((unsigned long)ring % NM_RING_ALIGN) == 0);
	NM_ST(nm_mem_ofs(mem, ring) >= mem->layout.pool[NM_POOL_RING].offset);
	for (i = 0; i < num_slots; i++) {
		struct netmap_slot *s = &ring->slot[i];
		char *user_view = (char *)ring + ring->buf_ofs +
				  (size_t)s->buf_idx * ring->nr_buf_size;

		if (!nm_mem_buf_valid(mem, s->buf_idx) || s->len || s->flags ||
		    user_view != nm_mem_buf_addr(mem, s->buf_idx) ||
		    test_and_set_bit(s->buf_idx, seen))
			bad++;
	}
	NM_ST(bad == 0);
}

static void nm_st_private(void)
{
	const struct nm_mem_need need = {
		.rings = 4, .max_slots = 256, .bufs = 4 * 256,
		.extra_bufs = 100, .ifs = 2,
	};
	struct netmap_ring *ring[4], *r;
	struct nmreq_pools_info info;
	struct netmap_if *nifp[64];
	unsigned long *seen;
	struct nm_mem *mem;
	u32 head, got, idx, n, i, bufs_before;
	u16 id;

	mem = nm_mem_create_private(&need);
	NM_ST(!IS_ERR(mem));
	if (IS_ERR(mem))
		return;
	id = nm_mem_id(mem);
	NM_ST(id >= 2 && nm_mem_is_private(mem));
	{
		struct nm_mem *found = nm_mem_find(id);

		NM_ST(found == mem && kref_read(&mem->ref) == 2);
		nm_mem_put(found);
	}
	NM_ST(kref_read(&mem->ref) == 1);

	/* Sized for the need: rings, slots, buffers, room for 2 pipes. */
	nm_mem_pools_info(mem, &info);
	NM_ST(info.nr_mem_id == id && info.nr_memsize == nm_mem_size(mem));
	NM_ST(info.nr_if_pool_offset == 0);
	NM_ST(info.nr_ring_pool_offset % PAGE_SIZE == 0);
	NM_ST(info.nr_buf_pool_offset % PAGE_SIZE == 0);
	NM_ST(info.nr_ring_pool_offset >= (u64)info.nr_if_pool_objtotal * info.nr_if_pool_objsize);
	NM_ST(info.nr_buf_pool_offset >= info.nr_ring_pool_offset +
	      (u64)info.nr_ring_pool_objtotal * info.nr_ring_pool_objsize);
	NM_ST(info.nr_memsize >= info.nr_buf_pool_offset +
	      (u64)info.nr_buf_pool_objtotal * info.nr_buf_pool_objsize);
	NM_ST(info.nr_memsize == (u64)mem->npages << PAGE_SHIFT);
	NM_ST(info.nr_ring_pool_objtotal >= 4 + 8);
	NM_ST(nm_mem_ring_max_slots(mem) >= 256);
	NM_ST(info.nr_buf_pool_objtotal >= 2 + 4 * 256 + 100 + 8 * 256);
	NM_ST(info.nr_buf_pool_objsize % 64 == 0 && info.nr_buf_pool_objsize == nm_mem_buf_size(mem));
	NM_ST(info.nr_if_pool_objtotal >= 2 + 4);
	NM_ST(nm_mem_if_size(mem) >= sizeof(struct netmap_if) + 6 * sizeof(ssize_t));

	/* Packet path helpers. */
	NM_ST(!nm_mem_buf_valid(mem, 0) && !nm_mem_buf_valid(mem, 1));
	NM_ST(nm_mem_buf_valid(mem, 2));
	NM_ST(nm_mem_buf_valid(mem, info.nr_buf_pool_objtotal - 1));
	NM_ST(!nm_mem_buf_valid(mem, info.nr_buf_pool_objtotal));
	NM_ST(!nm_mem_buf_valid(mem, U32_MAX));
	NM_ST(nm_mem_buf_addr(mem, U32_MAX) == nm_mem_buf_addr(mem, 0));
	NM_ST(nm_mem_ofs(mem, nm_mem_buf_addr(mem, 3)) ==
	      info.nr_buf_pool_offset + 3ull * info.nr_buf_pool_objsize);

	/* Rings: every slot gets its own buffer, reachable the user's way. */
	seen = bitmap_zalloc(info.nr_buf_pool_objtotal, GFP_KERNEL);
	NM_ST(seen != NULL);
	if (!seen)
		goto out;
	for (i = 0; i < 4; i++) {
		ring[i] = nm_mem_ring_alloc(mem, 256 - i, i / 2, i & 1);
		NM_ST(ring[i] != NULL);
		if (ring[i])
			nm_st_check_ring(mem, ring[i], 256 - i, i / 2, i & 1, seen);
	}
	NM_ST(nm_st_in_use(mem, NM_POOL_BUF) == 256 + 255 + 254 + 253);
	NM_ST(nm_st_in_use(mem, NM_POOL_RING) == 4);
	/* Sizes that cannot be served. */
	NM_ST(nm_mem_ring_alloc(mem, 0, 0, false) == NULL);
	NM_ST(nm_mem_ring_alloc(mem, nm_mem_ring_max_slots(mem) + 1, 0, false) == NULL);
	NM_ST(nm_mem_ring_alloc(mem, U32_MAX, 0, false) == NULL);
	NM_ST(nm_st_in_use(mem, NM_POOL_RING) == 4);

	/* Extra buffers: a chain of 100, all distinct from the rings' buffers. */
	got = nm_mem_bufs_alloc_chain(mem, 100, &head);
	NM_ST(got == 100);
	for (n = 0, idx = head; idx && n <= got; n++) {
		NM_ST(nm_mem_buf_valid(mem, idx) && !test_and_set_bit(idx, seen));
		idx = *(u32 *)nm_mem_buf_addr(mem, idx);
	}
	NM_ST(n == 100 && idx == 0);
	/* The user rewrites it into a 2-loop: the free stops after two, frees
	 * nothing twice; the 98 cut off stay allocated (lost). Freeing a free,
	 * an invalid or a reserved head does nothing. */
	{
		u32 second = *(u32 *)nm_mem_buf_addr(mem, head);

		*(u32 *)nm_mem_buf_addr(mem, second) = head;	/* 2-loop */
		bufs_before = nm_st_in_use(mem, NM_POOL_BUF);
		nm_mem_bufs_free_chain(mem, head);
		NM_ST(nm_st_in_use(mem, NM_POOL_BUF) == bufs_before - 2);
		nm_mem_bufs_free_chain(mem, head);	/* already free: nothing */
		nm_mem_bufs_free_chain(mem, 0xdeadbeef);
		nm_mem_bufs_free_chain(mem, 1);
		NM_ST(nm_st_in_use(mem, NM_POOL_BUF) == bufs_before - 2);
	}
	/* Exhaustion: ask for more than there is; everything granted is freed. */
	bufs_before = nm_st_in_use(mem, NM_POOL_BUF);
	got = nm_mem_bufs_alloc_chain(mem, U32_MAX, &head);
	NM_ST(got == info.nr_buf_pool_objtotal - 2 - bufs_before);
	NM_ST(nm_mem_bufs_alloc_chain(mem, 1, &idx) == 0 && idx == 0);
	NM_ST(nm_mem_ring_alloc(mem, 1, 0, false) == NULL);	/* no buffer left */
	NM_ST(nm_st_in_use(mem, NM_POOL_RING) == 4);
	nm_mem_bufs_free_chain(mem, head);
	/* 98 of the first chain were never returned (the user broke the chain). */
	NM_ST(nm_st_in_use(mem, NM_POOL_BUF) == bufs_before);

	/* Ring free with garbage in the slots and in num_slots. */
	if (ring[0] && ring[1]) {
		r = ring[0];
		r->num_slots = 100000;			/* ignored: kernel copy used */
		r->slot[0].buf_idx = r->slot[1].buf_idx;	/* duplicate: first one lost */
		r->slot[2].buf_idx = 0xffffffff;	/* invalid: lost */
		r->slot[3].buf_idx = 1;			/* reserved: lost */
		r->slot[4].buf_idx = ring[1]->slot[0].buf_idx;	/* stolen from ring 1 */
		bufs_before = nm_st_in_use(mem, NM_POOL_BUF);
		nm_mem_ring_free(mem, r);
		/* 256 slots, 253 frees: slot 1 (freed via slot 0), 2 and 3 skipped;
		 * slot 4 frees ring 1's buffer; the originals of 0, 2, 3, 4 are lost. */
		NM_ST(nm_st_in_use(mem, NM_POOL_BUF) == bufs_before - (256 - 3));
		nm_mem_ring_free(mem, ring[1]);	/* its slot 0 is already free: skipped */
		NM_ST(nm_st_in_use(mem, NM_POOL_BUF) == bufs_before - (256 - 3) - 254);
		ring[0] = ring[1] = NULL;
	}
	for (i = 0; i < 4; i++)
		nm_mem_ring_free(mem, ring[i]);
	nm_mem_ring_free(mem, NULL);
	NM_ST(nm_st_in_use(mem, NM_POOL_RING) == 0);
	/* Lost for good: slots 0, 2, 3, 4 of ring 0 and the 98 of the broken chain. */
	NM_ST(nm_st_in_use(mem, NM_POOL_BUF) == 4 + 98);

	/* Ring exhaustion. */
	for (n = 0; n < info.nr_ring_pool_objtotal + 1; n++) {
		r = nm_mem_ring_alloc(mem, 1, 0, true);
		if (!r)
			break;
		/* Keep them on a list through their sem[] (kernel-only room). */
		*(struct netmap_ring **)r->sem = n ? ring[0] : NULL;
		ring[0] = r;
	}
	NM_ST(n == info.nr_ring_pool_objtotal);
	while (ring[0]) {
		r = *(struct netmap_ring **)ring[0]->sem;
		nm_mem_ring_free(mem, ring[0]);
		ring[0] = r;
	}
	NM_ST(nm_st_in_use(mem, NM_POOL_RING) == 0);
	NM_ST(nm_st_in_use(mem, NM_POOL_BUF) == 4 + 98);

	/* netmap_if objects: zeroed, size-checked, exhaustible. */
	NM_ST(nm_mem_if_alloc(mem, nm_mem_if_size(mem) + 1) == NULL);
	for (n = 0; n < ARRAY_SIZE(nifp); n++) {
		nifp[n] = nm_mem_if_alloc(mem, sizeof(struct netmap_if));
		if (!nifp[n])
			break;
		NM_ST(memchr_inv(nifp[n], 0, nm_mem_if_size(mem)) == NULL);
		memset(nifp[n], 0xab, nm_mem_if_size(mem));
	}
	NM_ST(n == info.nr_if_pool_objtotal);
	while (n--)
		nm_mem_if_free(mem, nifp[n]);
	nm_mem_if_free(mem, NULL);
	NM_ST(nm_st_in_use(mem, NM_POOL_IF) == 0);
	bitmap_free(seen);
out:
	nm_mem_put(mem);
	NM_ST(nm_mem_find(id) == NULL);
}

/* ---- the region mapped into the loading process ---------------------- */

static int nm_st_file_mmap(struct file *file, struct vm_area_struct *vma)
{
	return nm_mem_mmap(file->private_data, vma);
}

static const struct file_operations nm_st_fops = {
	.owner = THIS_MODULE,
	.mmap = nm_st_file_mmap,
};

static void nm_st_mmap(void)
{
	const struct nm_mem_need need = { .rings = 2, .max_slots = 64, .bufs = 128 };
	unsigned long addr, bad;
	struct file *file;
	struct nm_mem *mem;
	u64 size, ofs;
	u32 v = 0;

	if (!current->mm) {
		pr_info("mem selftest: no user address space, mmap test skipped\n");
		return;
	}
	mem = nm_mem_create_private(&need);
	NM_ST(!IS_ERR(mem));
	if (IS_ERR(mem))
		return;
	size = nm_mem_size(mem);
	file = anon_inode_getfile("[netmap-selftest]", &nm_st_fops, mem, O_RDWR);
	NM_ST(!IS_ERR(file));
	if (IS_ERR(file))
		goto out_put;

	/* Beyond the region: refused, no reference taken. */
	bad = vm_mmap(file, 0, size + PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	NM_ST(IS_ERR_VALUE(bad) && (long)bad == -EINVAL);
	bad = vm_mmap(file, 0, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, size);
	NM_ST(IS_ERR_VALUE(bad) && (long)bad == -EINVAL);
	bad = vm_mmap(file, 0, 2 * PAGE_SIZE, PROT_READ, MAP_SHARED, size - PAGE_SIZE);
	NM_ST(IS_ERR_VALUE(bad) && (long)bad == -EINVAL);
	NM_ST(kref_read(&mem->ref) == 1);

	/* The last page alone, at its offset. */
	addr = vm_mmap(file, 0, PAGE_SIZE, PROT_READ, MAP_SHARED, size - PAGE_SIZE);
	NM_ST(!IS_ERR_VALUE(addr));
	if (!IS_ERR_VALUE(addr)) {
		*(u32 *)(mem->vaddr + size - 8) = 0x5eed1e55;
		NM_ST(get_user(v, (u32 __user *)(addr + PAGE_SIZE - 8)) == 0 && v == 0x5eed1e55);
		NM_ST(kref_read(&mem->ref) == 2);
		vm_munmap(addr, PAGE_SIZE);
		NM_ST(kref_read(&mem->ref) == 1);
	}

	/* The whole region: both views see the same bytes. */
	addr = vm_mmap(file, 0, size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	NM_ST(!IS_ERR_VALUE(addr));
	if (IS_ERR_VALUE(addr))
		goto out_fput;
	NM_ST(kref_read(&mem->ref) == 2);
	for (ofs = 0; ofs < size; ofs += 7 * PAGE_SIZE + 4) {
		*(u32 *)(mem->vaddr + ofs) = (u32)ofs ^ 0xa5a5a5a5;
		v = 0;
		NM_ST(get_user(v, (u32 __user *)(addr + ofs)) == 0 &&
		      v == ((u32)ofs ^ 0xa5a5a5a5));
		NM_ST(put_user((u32)ofs, (u32 __user *)(addr + ofs + 4)) == 0 &&
		      *(u32 *)(mem->vaddr + ofs + 4) == (u32)ofs);
	}
	/* Punch a hole: the vma splits in two, each holds a reference. */
	if (size >= 3 * PAGE_SIZE) {
		NM_ST(vm_munmap(addr + PAGE_SIZE, PAGE_SIZE) == 0);
		NM_ST(kref_read(&mem->ref) == 3);
		NM_ST(get_user(v, (u32 __user *)(addr + 2 * PAGE_SIZE)) == 0);
	}
	/* The file goes first: the mappings keep the region alive. */
	fput(file);
	file = NULL;
	NM_ST(vm_munmap(addr, size) == 0);
	NM_ST(kref_read(&mem->ref) == 1);
out_fput:
	if (file)
		fput(file);
out_put:
	nm_mem_put(mem);
}

/* ---- the global region --------------------------------------------------- */

static void nm_st_global(void)
{
	const struct nm_pool_params small = {
		.if_num = 10, .if_size = 1000,
		.ring_num = 10, .ring_size = 4096,
		.buf_num = 1000, .buf_size = 2000,
	};
	struct nm_pool_params saved = nm_global_params;
	struct nm_mem *g, *g2;
	u64 size;

	NM_ST(nm_mem_find(NM_MEM_GLOBAL_ID) == NULL);
	NM_ST(READ_ONCE(nm_global_curr.buf_num) == 0);

	nm_global_params = small;
	size = nm_mem_global_size();
	NM_ST(size == 2101248);	/* 3 + 10 + 500 pages: computed, not created */
	NM_ST(nm_mem_find(NM_MEM_GLOBAL_ID) == NULL);
	g = nm_mem_get_global();
	NM_ST(!IS_ERR(g));
	if (!IS_ERR(g)) {
		NM_ST(nm_mem_size(g) == size);
		NM_ST(nm_mem_id(g) == NM_MEM_GLOBAL_ID && !nm_mem_is_private(g));
		/* The figures in use, rounded: 1000 -> 1024, 2000 -> 2048. */
		NM_ST(nm_global_curr.if_num == 10 && nm_global_curr.if_size == 1024);
		NM_ST(nm_global_curr.ring_num == 10 && nm_global_curr.ring_size == 4096);
		NM_ST(nm_global_curr.buf_num == 1000 && nm_global_curr.buf_size == 2048);
		NM_ST(nm_mem_buf_size(g) == 2048);
		/* Later parameter changes do not touch the live region. */
		nm_global_params.buf_num = 5000;
		NM_ST(nm_mem_global_size() == size);	/* the live region's */
		g2 = nm_mem_get_global();
		NM_ST(g2 == g && nm_global_curr.buf_num == 1000);
		g2 = nm_mem_find(NM_MEM_GLOBAL_ID);
		NM_ST(g2 == g);
		NM_ST(kref_read(&g->ref) == 3);
		nm_mem_put(g2);
		nm_mem_put(g);
		nm_mem_put(g);
		NM_ST(nm_mem_find(NM_MEM_GLOBAL_ID) == NULL);
		NM_ST(nm_global_curr.buf_num == 0 && nm_global_curr.if_size == 0);
		/* Recreated from the new parameters. */
		g = nm_mem_get_global();
		NM_ST(!IS_ERR(g) && nm_global_curr.buf_num == 5000);
		if (!IS_ERR(g))
			nm_mem_put(g);
		NM_ST(nm_global_curr.buf_num == 0);
	}

	/* Parameters that cannot work are refused with a log line. */
	nm_global_params = small;
	nm_global_params.buf_num = 2;
	NM_ST(nm_mem_global_size() == 0);
	g = nm_mem_get_global();
	NM_ST(IS_ERR(g) && PTR_ERR(g) == -EINVAL);
	nm_global_params = small;
	nm_global_params.buf_size = 64 << 20;
	g = nm_mem_get_global();
	NM_ST(IS_ERR(g) && PTR_ERR(g) == -EINVAL);
	nm_global_params = small;
	nm_global_params.buf_num = U32_MAX;
	g = nm_mem_get_global();
	NM_ST(IS_ERR(g) && PTR_ERR(g) == -ENOMEM);
	nm_global_params = small;
	nm_global_params.buf_num = 30000000;	/* 60 GB: more than the RAM */
	g = nm_mem_get_global();
	NM_ST(IS_ERR(g) && PTR_ERR(g) == -ENOMEM);
	NM_ST(nm_mem_find(NM_MEM_GLOBAL_ID) == NULL);
	NM_ST(nm_global_curr.buf_num == 0);
	nm_global_params = saved;
}

/* Private ids are handed out cyclically; absurd needs are refused. */
static void nm_st_ids(void)
{
	const struct nm_mem_need absurd = { .bufs = U32_MAX, .extra_bufs = U32_MAX };
	struct nm_mem *a, *b;
	u16 ida;

	a = nm_mem_create_private(NULL);
	NM_ST(!IS_ERR(a));
	if (IS_ERR(a))
		return;
	ida = nm_mem_id(a);
	nm_mem_put(a);
	b = nm_mem_create_private(NULL);
	NM_ST(!IS_ERR(b) && nm_mem_id(b) != ida);
	if (!IS_ERR(b))
		nm_mem_put(b);
	a = nm_mem_create_private(&absurd);
	NM_ST(IS_ERR(a) && PTR_ERR(a) == -ENOMEM);

	/* Made ahead (REGISTER without nm_ctrl_lock): no id until registered. */
	a = nm_mem_make_private(NULL);
	NM_ST(!IS_ERR(a) && nm_mem_id(a) == 0);
	if (!IS_ERR(a))
		nm_mem_put(a);		/* never registered: freed all the same */
	a = nm_mem_make_private(NULL);
	if (IS_ERR(a))
		return;
	NM_ST(!nm_mem_register(a) && nm_mem_id(a) > NM_MEM_GLOBAL_ID);
	ida = nm_mem_id(a);
	b = nm_mem_find(ida);
	NM_ST(b == a);
	nm_mem_put(b);
	nm_mem_put(a);
	NM_ST(nm_mem_find(ida) == NULL);
}

static void nm_mem_selftest(void)
{
	nm_st_private();
	nm_st_mmap();
	nm_st_global();
	nm_st_ids();
	pr_info("mem selftest: %u passed, %u failed\n", nm_st_pass, nm_st_fail);
}
