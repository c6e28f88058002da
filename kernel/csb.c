// SPDX-License-Identifier: BSD-2-Clause
/*
 * The Communication Status Block of an fd in CSB mode (kloop.h).
 *
 * The two arrays live in the application's memory. We pin their pages
 * (FOLL_LONGTERM, writable: a copy-on-write page would otherwise split
 * from what the application sees) and map them with vmap(), once, when the
 * CSB is enabled, in the caller's thread with no lock held: a page fault
 * here may take as long as the application wants (userfaultfd) and stalls
 * only this request. From then on the loop, and the direct-mode work in
 * another thread of the same process, read atok and write ktoa as kernel
 * memory: no fault, no sleep, any context. The application may write
 * anything there at any time; every value read is checked by the ring
 * protocol before use (kloop.c).
 *
 * Bounds: one CSB per fd (a new CSB_ENABLE replaces the old one), of
 * 64 bytes per bound ring per array, so the pinned memory is bounded by the
 * rings the fd has bound.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <net/netmap.h>

#include "kloop.h"
#include "params.h"

static void nm_csb_unpin(struct nm_csb_pin *p)
{
	if (p->base)
		vunmap(p->base);
	if (p->npages)
		unpin_user_pages(p->pages, p->npages);
	kvfree(p->pages);
	memset(p, 0, sizeof(*p));
}

/* Pin and map @len bytes at @uaddr; the kernel address of @uaddr, or NULL. */
static void *nm_csb_pin(struct nm_csb_pin *p, u64 uaddr, size_t len)
{
	const unsigned long first = uaddr & PAGE_MASK;
	const u32 n = DIV_ROUND_UP(offset_in_page(uaddr) + len, PAGE_SIZE);
	int got;

	if (uaddr + len < uaddr || !access_ok(u64_to_user_ptr(uaddr), len))
		return NULL;
	p->pages = kvcalloc(n, sizeof(*p->pages), GFP_KERNEL_ACCOUNT);
	if (!p->pages)
		return NULL;
	got = pin_user_pages_fast(first, n, FOLL_WRITE | FOLL_LONGTERM, p->pages);
	if (got > 0)
		p->npages = got;
	if (got != n)
		return NULL;
	p->base = vmap(p->pages, n, VM_MAP, PAGE_KERNEL);
	if (!p->base)
		return NULL;
	return p->base + offset_in_page(uaddr);
}

static void nm_csb_free(struct kref *ref)
{
	struct nm_csb *csb = container_of(ref, struct nm_csb, ref);

	nm_csb_unpin(&csb->pin[0]);
	nm_csb_unpin(&csb->pin[1]);
	kfree(csb);
}

void nm_csb_put(struct nm_csb *csb)
{
	if (csb)
		kref_put(&csb->ref, nm_csb_free);
}

/* Entries take the rings' state as the binding left it. */
static void nm_csb_init_entries(struct nm_csb *csb, struct nm_priv *priv)
{
	u32 d, i, j = 0;

	for (d = 0; d < NM_NDIR; d++) {
		for (i = priv->first[d]; i < priv->last[d]; i++, j++) {
			const struct nm_kring *k = &priv->port->krings[d][i];

			WRITE_ONCE(csb->atok[j].head, READ_ONCE(k->rhead));
			WRITE_ONCE(csb->atok[j].cur, READ_ONCE(k->rcur));
			WRITE_ONCE(csb->atok[j].appl_need_kick, 1);
			WRITE_ONCE(csb->atok[j].sync_flags, 1);
			WRITE_ONCE(csb->ktoa[j].hwcur, READ_ONCE(k->nr_hwcur));
			WRITE_ONCE(csb->ktoa[j].hwtail, READ_ONCE(k->rtail));
			WRITE_ONCE(csb->ktoa[j].kern_need_kick, 1);
		}
	}
}

static int nm_csb_make(struct nm_priv *priv, const struct nm_csb_req *req,
		       struct nm_csb **csbp)
{
	const u32 ntx = priv->last[NM_TX] - priv->first[NM_TX];
	const u32 nrx = priv->last[NM_RX] - priv->first[NM_RX];
	struct nm_csb *csb;

	if (!priv->exclusive) {
		nm_dbg("%s: CSB needs NR_EXCLUSIVE\n", priv->port->name);
		return -EINVAL;
	}
	if (!IS_ALIGNED(req->atok, sizeof(struct nm_csb_atok)) ||
	    !IS_ALIGNED(req->ktoa, sizeof(struct nm_csb_ktoa))) {
		nm_dbg("%s: CSB pointers must be 64-byte aligned\n", priv->port->name);
		return -EINVAL;
	}
	csb = kzalloc(sizeof(*csb), GFP_KERNEL_ACCOUNT);
	if (!csb)
		return -ENOMEM;
	kref_init(&csb->ref);
	csb->n[NM_TX] = ntx;
	csb->n[NM_RX] = nrx;
	csb->atok = nm_csb_pin(&csb->pin[0], req->atok, (ntx + nrx) * sizeof(*csb->atok));
	if (csb->atok)
		csb->ktoa = nm_csb_pin(&csb->pin[1], req->ktoa, (ntx + nrx) * sizeof(*csb->ktoa));
	if (!csb->ktoa) {
		nm_dbg("%s: CSB memory not accessible\n", priv->port->name);
		nm_csb_put(csb);
		return -EFAULT;
	}
	memset(csb->ktoa, 0, (ntx + nrx) * sizeof(*csb->ktoa));
	nm_csb_init_entries(csb, priv);
	*csbp = csb;
	return 0;
}

int nm_csb_enable(struct nm_priv *priv, const struct nm_csb_req *req)
{
	struct nm_csb *csb = NULL, *old;
	struct nm_kloop *kl;
	int err;

	if (priv->last[NM_TX] == priv->first[NM_TX] && priv->last[NM_RX] == priv->first[NM_RX])
		return 0;
	kl = nm_kloop_get(priv);
	if (!kl)
		return -ENOMEM;
	if (READ_ONCE(kl->run) || READ_ONCE(kl->starting))
		return -EBUSY;
	err = nm_csb_make(priv, req, &csb);
	if (err)
		return err;
	spin_lock(&kl->lock);
	if (kl->run || kl->starting) {
		spin_unlock(&kl->lock);
		nm_csb_put(csb);
		return -EBUSY;
	}
	old = kl->csb;
	kl->csb = csb;
	WRITE_ONCE(kl->csb_on, true);
	spin_unlock(&kl->lock);
	nm_csb_put(old);
	return 0;
}

int nm_csb_enable_req(struct nm_priv *priv, const struct nm_csb_req *req)
{
	/* An unbound fd has no rings: nothing to do, as netmap answers. */
	if (!nm_priv_bound(priv))
		return 0;
	return nm_csb_enable(priv, req);
}
