// SPDX-License-Identifier: BSD-2-Clause
/*
 * fuzz_mmap - mappings of the region: random offsets and lengths, mremap,
 * madvise, mprotect, mlock, partial munmap, mappings outliving their fd.
 */
#include "nm_fuzz.h"

/* ------------------------------------------------------------------------
 * Memory mappings.
 */
uint64_t roundup_page(uint64_t x)
{
	return (x + (uint64_t)pagesz - 1) & ~((uint64_t)pagesz - 1);
}

/* Touch up to 8 pages of [p, p+len) mapped at file offset off. */
void touch_pages(const struct nmfile *f, char *p, size_t len, uint64_t off, const char *what)
{
	size_t np = len / (size_t)pagesz, i, pg;
	uint64_t end = roundup_page(f->memsize);

	for (i = 0; i < 8 && np; i++) {
		int sig;

		pg = i == 0 ? 0 : i == 1 ? np - 1 : rnd((uint32_t)np);
		sig = touch(p + pg * (size_t)pagesz);
		if (off + pg * (uint64_t)pagesz < end) {
			if (sig)
				violation("%s: page %zu of \"%s\" (offset %" PRIu64 ", region %" PRIu64
					  ") raised signal %d", what, pg, f->name,
					  off + pg * (uint64_t)pagesz, f->memsize, sig);
		} else if (!sig) {
			violation("%s: page at offset %" PRIu64 " beyond the region of \"%s\" (%" PRIu64
				  " bytes) was served", what, off + pg * (uint64_t)pagesz, f->name,
				  f->memsize);
		} else {
			xs.beyond_sigbus++;
		}
	}
}

void op_mmap(void)
{
	int fi = pick_file(), prot, flags = MAP_SHARED;
	struct nmfile *f;
	uint64_t ms, off, len, ps = (uint64_t)pagesz;
	char *p;

	if (fi < 0)
		return;
	f = &files[fi];
	ms = f->bound && f->memsize ? f->memsize : 16 * ps;
	switch (rnd(8)) {
	case 0 ... 2:
		off = 0;
		break;
	case 3:
		off = ps * rnd((uint32_t)(ms / ps));
		break;
	case 4:
		off = roundup_page(ms) - ps;
		break;
	case 5:
		off = roundup_page(ms) + ps * rnd(2);
		break;
	case 6:
		off = 1 + rnd((uint32_t)ps - 1);
		break;
	default:
		off = (uint64_t)rnd_u32() << 12;
	}
	switch (rnd(6)) {
	case 0:
		len = ps;
		break;
	case 1:
		len = ms;
		break;
	case 2:
		len = ms > off ? ms - off : ps;
		break;
	case 3:
		len = (ms > off ? ms - off : 0) + ps;
		break;
	case 4:
		len = 1 + rnd((uint32_t)ms);
		break;
	default:
		len = chance(50) ? 0 : 2 * ps;
	}
	prot = chance(75) ? PROT_READ | PROT_WRITE : chance(60) ? PROT_READ :
	       (const int[]){ PROT_WRITE, PROT_NONE, PROT_READ | PROT_EXEC }[rnd(3)];
	if (chance(8))
		flags = MAP_PRIVATE;
	if (chance(3) && len <= (4u << 20))
		flags |= MAP_POPULATE;	/* every page faulted in: keep it small under TCG */
	trace("mmap fd%d (%s, memsize %" PRIu64 ") off %" PRIu64 " len %" PRIu64 " prot %d flags %#x",
	      f->fd, f->bound ? f->name : "unbound", f->memsize, off, len, prot, flags);
	p = mmap(NULL, len, prot, flags, f->fd, (off_t)off);
	count(K_MMAP, p == MAP_FAILED ? errno : 0);
	trace_ret("  -> %s", p == MAP_FAILED ? errname(errno) : "ok");
	if (p == MAP_FAILED)
		return;
	if (!f->bound)
		violation("mmap of an unbound fd succeeded (offset %" PRIu64 " len %" PRIu64 ")", off, len);
	if (f->memsize && off + roundup_page(len) > roundup_page(f->memsize))
		violation("mmap of \"%s\" past the end succeeded: offset %" PRIu64 " len %" PRIu64
			  " region %" PRIu64, f->name, off, len, f->memsize);
	if (f->memsize && (prot & PROT_READ))
		touch_pages(f, p, (size_t)len, off, "mmap");
	if (f->bound && !f->mem && off == 0 && len == f->memsize && prot == (PROT_READ | PROT_WRITE) &&
	    !(flags & MAP_PRIVATE) && f->nrings) {
		/* the region again, after an earlier munmap of the main mapping */
		f->mem = p;
		f->nmaps++;
		return;
	}
	if (chance(50) && xmap_add(p, (size_t)len, off, fi, (prot & PROT_READ) != 0) >= 0)
		return;
	count(K_MUNMAP, munmap(p, (size_t)len) ? errno : 0);
}

/* mremap, madvise, mprotect, mlock, msync, partial munmap. */
void op_mm(void)
{
	int i = (int)rnd(MAXMAPS), rc;
	struct xmap *x = &xmaps[i];
	struct nmfile *f;
	size_t ps = (size_t)pagesz, np;

	if (x->file < 0) {
		/* on a main mapping instead: harmless advice only */
		int fi = pick_bound_mapped();
		static const int adv[] = { MADV_DONTNEED, MADV_WILLNEED, MADV_NORMAL,
					   MADV_SEQUENTIAL, MADV_RANDOM, MADV_DONTFORK, MADV_DOFORK,
					   MADV_COLD, MADV_PAGEOUT, MADV_NOHUGEPAGE, MADV_DONTDUMP };
		int a = adv[rnd(sizeof(adv) / sizeof(adv[0]))];
		uint32_t before;

		if (fi < 0)
			return;
		f = &files[fi];
		before = ring_of(f, &f->rings[0])->num_slots;
		rc = madvise(f->mem, f->memsize, a);
		count(K_MM, rc ? errno : 0);
		trace("madvise main \"%s\" %d -> %s", f->name, a, errname(rc ? errno : 0));
		if (a == MADV_DONTFORK && !rc)
			f->dontfork = true;
		if (a == MADV_DOFORK && !rc)
			f->dontfork = false;
		if (touch((char *)ring_of(f, &f->rings[0])))
			violation("\"%s\": ring header faults after madvise %d", f->name, a);
		if (ring_of(f, &f->rings[0])->num_slots != before)
			violation("\"%s\": ring num_slots %u became %u after madvise %d", f->name,
				  before, ring_of(f, &f->rings[0])->num_slots, a);
		return;
	}
	f = &files[x->file];
	np = x->len / ps;
	switch (rnd(7)) {
	case 0: {	/* grow or shrink */
		size_t nl = chance(70) ? x->len + ps * (1 + rnd(4)) : (np > 1 ? ps * (1 + rnd((uint32_t)np - 1)) : ps);
		char *q = mremap(x->p, x->len, nl, MREMAP_MAYMOVE);

		count(K_MREMAP, q == MAP_FAILED ? errno : 0);
		trace("mremap \"%s\" %zu -> %zu: %s", f->name, x->len, nl, q == MAP_FAILED ? errname(errno) : "ok");
		if (q == MAP_FAILED)
			return;
		x->p = q;
		x->len = nl;
		if (x->readable && f->memsize)
			touch_pages(f, q, nl, x->off, "mremap");
		return;
	}
	case 1: {	/* punch a hole: the vma splits */
		size_t a, b;

		if (np < 3)
			break;
		a = 1 + rnd((uint32_t)np - 2);
		b = 1 + rnd((uint32_t)(np - a - 1));
		rc = munmap(x->p + a * ps, b * ps);
		count(K_MUNMAP, rc ? errno : 0);
		trace("munmap hole \"%s\" pages %zu+%zu of %zu", f->name, a, b, np);
		if (rc)
			return;
		/* keep the head here, the tail in another slot if there is one */
		{
			char *tp = x->p + (a + b) * ps;
			size_t tl = x->len - (a + b) * ps;
			int fi = x->file;

			x->len = a * ps;
			if (xmap_add(tp, tl, x->off + (a + b) * ps, fi, x->readable) < 0) {
				count(K_MUNMAP, munmap(tp, tl) ? errno : 0);
			}
		}
		return;
	}
	case 2:
		rc = mprotect(x->p, x->len, chance(50) ? PROT_READ : PROT_READ | PROT_WRITE);
		count(K_MM, rc ? errno : 0);
		if (!rc)
			x->readable = true;
		trace("mprotect \"%s\" -> %s", f->name, errname(rc ? errno : 0));
		return;
	case 3:
		rc = mlock(x->p, x->len < 64 * ps ? x->len : 64 * ps);
		count(K_MM, rc ? errno : 0);
		trace("mlock \"%s\" -> %s", f->name, errname(rc ? errno : 0));
		if (!rc) {
			rc = munlock(x->p, x->len < 64 * ps ? x->len : 64 * ps);
			count(K_MM, rc ? errno : 0);
		}
		return;
	case 4:
		rc = msync(x->p, x->len, chance(50) ? MS_SYNC : MS_ASYNC | MS_INVALIDATE);
		count(K_MM, rc ? errno : 0);
		return;
	case 5:
		rc = madvise(x->p, x->len, chance(50) ? MADV_DONTNEED : MADV_PAGEOUT);
		count(K_MM, rc ? errno : 0);
		if (x->readable && f->memsize)
			touch_pages(f, x->p, x->len, x->off, "madvise");
		return;
	default:
		break;
	}
	if (x->readable && f->memsize)
		touch_pages(f, x->p, x->len, x->off, "extra mapping");
	trace("munmap xmap \"%s\"", f->name);
	xmap_drop(i);
}
