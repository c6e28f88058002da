// SPDX-License-Identifier: BSD-2-Clause
/*
 * POLLING_ENABLE / _DISABLE (NETMAP-ABI §7): kernel threads that forward
 * from the hardware RX rings of a NIC attached to a switch, instead of the
 * rings' notify. As netmap (get_polling_cfg()):
 *   - SINGLE_CPU: nr_num_polling_cpus must be 1; one thread, bound to
 *     nr_first_cpu_id, polls every hardware RX ring;
 *   - MULTI_CPU: nr_num_polling_cpus threads; thread i polls RX ring
 *     nr_first_cpu_id + i and is bound to CPU nr_first_cpu_id + i, so
 *     first + n must not exceed the ring count;
 *   - n == 0, n >= the online CPUs ("cannot use all the CPUs"), an offline
 *     or nonexistent CPU, or another mode: EINVAL.
 * The host RX ring (NR_REG_NIC_SW) stays notify-driven, as in netmap.
 *
 * A polled ring's notify only sets its pending bit and wakes the thread.
 * The thread forwards holding the ring's busy bit (as the notify would),
 * calls cond_resched() between rounds, and after NM_VALE_POLL_SPIN idle
 * rounds sleeps until a notify wakes it or NM_VALE_POLL_SLEEP_MS pass.
 *
 * Lifetime: threads are created and stopped under nm_ctrl_lock; DETACH is
 * refused while they run (EBUSY), module exit stops them first. Stopping
 * clears the rings' poller pointers, waits a grace period (a notify that
 * read one is done with it), then kthread_stop()s.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/lockdep.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "params.h"
#include "port.h"
#include "vale.h"
#include "vale_int.h"

#define NM_VALE_POLL_SPIN	256	/* idle rounds before sleeping */
#define NM_VALE_POLL_SLEEP_MS	10	/* longest sleep when idle and not woken */

struct nm_vale_poller {
	struct task_struct *task;
	struct nm_vale_nic *nic;
	u32 first, last;		/* sources (hardware RX rings) polled */
	u32 cpu;
};

struct nm_vale_poll {
	u32 mode;
	u32 n;				/* threads */
	struct nm_vale_poller t[];
};

static int nm_vale_poll_thread(void *arg)
{
	struct nm_vale_poller *p = arg;
	struct nm_vale_nic *nic = p->nic;
	u32 idle = 0, i;

	while (!kthread_should_stop()) {
		bool pending = false;
		u32 done = 0;

		for (i = p->first; i < p->last; i++) {
			struct nm_vale_nic_src *s = &nic->src[i];

			if (!nm_os_tryget(&s->rx->busy)) {
				/* A kick or work item runs it: look again soon. */
				pending = true;
				continue;
			}
			clear_bit(0, &s->pending);
			done += nm_vale_nic_src_forward(s);
			nm_os_put(&s->rx->busy);
		}
		if (done || pending || ++idle < NM_VALE_POLL_SPIN) {
			if (done)
				idle = 0;
			cond_resched();
			continue;
		}
		/* Sleep unless a notify came: it sets pending, then wakes us. */
		set_current_state(TASK_INTERRUPTIBLE);
		for (i = p->first; i < p->last; i++)
			if (test_bit(0, &nic->src[i].pending))
				pending = true;
		if (!pending && !kthread_should_stop())
			schedule_timeout(msecs_to_jiffies(NM_VALE_POLL_SLEEP_MS));
		__set_current_state(TASK_RUNNING);
		idle = 0;
	}
	return 0;
}

/* Clear the poller pointers of the sources of threads [0, n) and stop them. */
static void nm_vale_poll_kill(struct nm_vale_nic *nic, struct nm_vale_poll *poll, u32 n)
{
	u32 i, r;

	for (i = 0; i < n; i++)
		for (r = poll->t[i].first; r < poll->t[i].last; r++)
			RCU_INIT_POINTER(nic->src[r].poller, NULL);
	/* A notify that read a pointer has finished with it. */
	synchronize_rcu();
	for (i = 0; i < n; i++)
		kthread_stop(poll->t[i].task);
}

int nm_vale_poll_start(struct nm_vale_nic *nic, const struct nmreq_vale_polling *req)
{
	const u32 nrings = nic->nic->nrings[NM_RX];
	const u32 first = req->nr_first_cpu_id, ncpus = req->nr_num_polling_cpus;
	const char *ifname = nic->hw->pname;
	struct nm_vale_poll *poll;
	u32 n, i, r;

	lockdep_assert_held(&nm_ctrl_lock);
	if (nic->poll) {
		nm_dbg("%s: POLLING_ENABLE: polling is already on\n", ifname);
		return -EBUSY;
	}
	if (ncpus == 0 || ncpus >= num_online_cpus()) {
		nm_dbg("%s: POLLING_ENABLE: %u CPUs asked, need 1..%u (not all the CPUs)\n",
		       ifname, ncpus, num_online_cpus() - 1);
		return -EINVAL;
	}
	switch (req->nr_mode) {
	case NETMAP_POLLING_MODE_SINGLE_CPU:
		if (ncpus != 1) {
			nm_dbg("%s: POLLING_ENABLE: SINGLE_CPU takes one CPU, not %u\n",
			       ifname, ncpus);
			return -EINVAL;
		}
		n = 1;
		break;
	case NETMAP_POLLING_MODE_MULTI_CPU:
		if (first >= nrings || ncpus > nrings - first) {
			nm_dbg("%s: POLLING_ENABLE: rings %u..%u out of range (%u rings)\n",
			       ifname, first, first + ncpus - 1, nrings);
			return -EINVAL;
		}
		n = ncpus;
		break;
	default:
		nm_dbg("%s: POLLING_ENABLE: invalid mode %u\n", ifname, req->nr_mode);
		return -EINVAL;
	}
	for (i = 0; i < n; i++) {
		if (first + i >= nr_cpu_ids || !cpu_online(first + i)) {
			nm_dbg("%s: POLLING_ENABLE: CPU %u is not online\n", ifname, first + i);
			return -EINVAL;
		}
	}
	poll = kzalloc(struct_size(poll, t, n), GFP_KERNEL_ACCOUNT);
	if (!poll)
		return -ENOMEM;
	poll->mode = req->nr_mode;
	poll->n = n;
	for (i = 0; i < n; i++) {
		struct nm_vale_poller *p = &poll->t[i];
		struct task_struct *t;

		p->nic = nic;
		p->cpu = first + i;
		if (n == 1 && req->nr_mode == NETMAP_POLLING_MODE_SINGLE_CPU) {
			p->first = 0;
			p->last = nrings;
		} else {
			p->first = first + i;
			p->last = first + i + 1;
		}
		t = kthread_create(nm_vale_poll_thread, p, "nm-poll-%s-%u", ifname, p->cpu);
		if (IS_ERR(t)) {
			nm_vale_poll_kill(nic, poll, i);
			kfree(poll);
			return PTR_ERR(t);
		}
		kthread_bind(t, p->cpu);
		p->task = t;
	}
	/* Notifies of these rings now only wake their thread. */
	for (i = 0; i < n; i++)
		for (r = poll->t[i].first; r < poll->t[i].last; r++)
			RCU_INIT_POINTER(nic->src[r].poller, poll->t[i].task);
	for (i = 0; i < n; i++)
		wake_up_process(poll->t[i].task);
	nic->poll = poll;
	nm_dbg("%s: polling on: %u thread(s) from CPU %u\n", ifname, n, first);
	return 0;
}

void nm_vale_poll_stop(struct nm_vale_nic *nic)
{
	struct nm_vale_poll *poll = nic->poll;
	u32 i, r;

	lockdep_assert_held(&nm_ctrl_lock);
	if (!poll)
		return;
	nm_vale_poll_kill(nic, poll, poll->n);
	nic->poll = NULL;
	/* What arrived after the threads' last round goes by notify again. */
	for (i = 0; i < poll->n; i++)
		for (r = poll->t[i].first; r < poll->t[i].last; r++)
			nm_vale_nic_src_kick(&nic->src[r]);
	kfree(poll);
	nm_dbg("%s: polling off\n", nic->hw->pname);
}
