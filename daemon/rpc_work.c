// SPDX-License-Identifier: BSD-2-Clause
/*
 * rpc_work - the worker threads of deferred calls (DEFERRED CALLS in
 * rpc.h).
 *
 * Jobs wait in one queue, in arrival order. A worker takes the first job
 * the rules allow, runs its work() with no lock held, and moves it to the
 * done list; an eventfd wakes the loop, which finishes the done jobs on
 * its own thread (rpc_job_finish()). The rules, checked under w->lock:
 *   - a peer that is not an admin has at most RPC_WORKERS_PER_UID jobs
 *     running per uid;
 *   - such jobs together run on at most RPC_WORKERS - RPC_WORKERS_ADMIN
 *     threads, so an admin's job never waits for users' work;
 *   - at most RPC_WORKERS threads, started when more jobs wait than
 *     threads are idle, kept until the server is freed (the eventfd is
 *     made with the server, so its descriptors do not change with use).
 *
 * Locking: w->lock protects the three lists, the counts and stop. Workers
 * touch a job's ops and arg (work() only), never its connection or call.
 * Workers block every signal: the loop's thread takes them.
 */
#define _GNU_SOURCE
#include "rpc_int.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <syslog.h>
#include <unistd.h>

TAILQ_HEAD(rpc_job_list, rpc_job);

struct rpc_workers {
	pthread_mutex_t lock;
	pthread_cond_t cond;         /* a job was queued, or may run now, or stop */
	struct rpc_job_list queue;   /* waiting for a worker */
	struct rpc_job_list running; /* in work() */
	struct rpc_job_list done;    /* for the loop */
	unsigned queued, idle, users_running;
	unsigned nthreads;
	pthread_t threads[RPC_WORKERS];
	bool stop;
	int efd;                     /* eventfd: done jobs wait */
	struct event *ev;
};

static unsigned running_of(const struct rpc_workers *w, uid_t uid)
{
	const struct rpc_job *j;
	unsigned n = 0;

	TAILQ_FOREACH(j, &w->running, link)
		n += !j->admin && j->uid == uid;
	return n;
}

static bool may_run(const struct rpc_workers *w, const struct rpc_job *j)
{
	if (j->admin)
		return true;
	return w->users_running < RPC_WORKERS - RPC_WORKERS_ADMIN &&
	       running_of(w, j->uid) < RPC_WORKERS_PER_UID;
}

static struct rpc_job *pick(const struct rpc_workers *w)
{
	struct rpc_job *j;

	TAILQ_FOREACH(j, &w->queue, link)
		if (may_run(w, j))
			return j;
	return NULL;
}

/* A job's work, then to the done list. w->lock held on entry and exit. */
static void run_job(struct rpc_workers *w, struct rpc_job *j)
{
	const uint64_t one = 1;

	TAILQ_REMOVE(&w->queue, j, link);
	w->queued--;
	TAILQ_INSERT_TAIL(&w->running, j, link);
	w->users_running += !j->admin;
	pthread_mutex_unlock(&w->lock);
	j->ops->work(j->arg);
	pthread_mutex_lock(&w->lock);
	TAILQ_REMOVE(&w->running, j, link);
	w->users_running -= !j->admin;
	TAILQ_INSERT_TAIL(&w->done, j, link);
	/* Cannot fail but by overflow, after 2^64 - 1 unread wake-ups. */
	(void)!write(w->efd, &one, sizeof(one));
	/* What may run changed: a uid or the users' share has room again. */
	pthread_cond_broadcast(&w->cond);
}

static void *worker_main(void *arg)
{
	struct rpc_workers *w = arg;
	struct rpc_job *j;

	pthread_mutex_lock(&w->lock);
	while (!w->stop) {
		j = pick(w);
		if (j) {
			run_job(w, j);
			continue;
		}
		w->idle++;
		pthread_cond_wait(&w->cond, &w->lock);
		w->idle--;
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

/* The loop: finish what the workers did. */
static void done_cb(evutil_socket_t fd, short what, void *arg)
{
	struct rpc_workers *w = arg;
	struct rpc_job_list done = TAILQ_HEAD_INITIALIZER(done);
	struct rpc_job *j;
	uint64_t n;

	(void)what;
	(void)!read(fd, &n, sizeof(n));
	pthread_mutex_lock(&w->lock);
	TAILQ_CONCAT(&done, &w->done, link);
	pthread_mutex_unlock(&w->lock);
	while ((j = TAILQ_FIRST(&done))) {
		TAILQ_REMOVE(&done, j, link);
		rpc_job_finish(j);
	}
}

int rpc_workers_new(struct rpc_server *s)
{
	struct rpc_workers *w = calloc(1, sizeof(*w));

	if (!w)
		return -ENOMEM;
	TAILQ_INIT(&w->queue);
	TAILQ_INIT(&w->running);
	TAILQ_INIT(&w->done);
	w->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (w->efd >= 0)
		w->ev = event_new(s->base, w->efd, EV_READ | EV_PERSIST, done_cb, w);
	if (!w->ev || event_priority_set(w->ev, PRIO_NORMAL) < 0 || event_add(w->ev, NULL) < 0) {
		if (w->ev)
			event_free(w->ev);
		if (w->efd >= 0)
			close(w->efd);
		free(w);
		return -ENOMEM;
	}
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	s->workers = w;
	return 0;
}

/* One more worker, signals blocked. w->lock held. */
static int start_worker(struct rpc_workers *w)
{
	sigset_t all, old;
	int r;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	r = pthread_create(&w->threads[w->nthreads], NULL, worker_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r)
		return -r;
	w->nthreads++;
	return 0;
}

int rpc_workers_submit(struct rpc_server *s, struct rpc_job *j)
{
	struct rpc_workers *w = s->workers;
	int r = 0;

	pthread_mutex_lock(&w->lock);
	if (w->queued + 1 > w->idle && w->nthreads < RPC_WORKERS) {
		r = start_worker(w);
		if (r < 0 && w->nthreads > 0)
			r = 0;	/* the threads there will take it */
		else if (r < 0)
			rpc_log_errno(s, LOG_WARNING, r, "no worker thread: running the call inline");
	}
	if (r == 0) {
		TAILQ_INSERT_TAIL(&w->queue, j, link);
		w->queued++;
		pthread_cond_broadcast(&w->cond);
	}
	pthread_mutex_unlock(&w->lock);
	return r;
}

void rpc_workers_free(struct rpc_server *s)
{
	struct rpc_workers *w = s->workers;
	struct rpc_job *j;

	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
	/* A worker in work() finishes it (a system call); then all are gone. */
	for (unsigned i = 0; i < w->nthreads; i++)
		pthread_join(w->threads[i], NULL);
	TAILQ_CONCAT(&w->queue, &w->done, link);
	while ((j = TAILQ_FIRST(&w->queue))) {
		TAILQ_REMOVE(&w->queue, j, link);
		rpc_job_abandon(j);
	}
	event_free(w->ev);
	close(w->efd);
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
	free(w);
	s->workers = NULL;
}
