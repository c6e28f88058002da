// SPDX-License-Identifier: BSD-2-Clause
/*
 * netmapd - command line (see netmapd(8)).
 *
 *   netmapd [-c FILE] [--state FILE] [--socket PATH] [--no-module] [-v]
 *           run in the foreground until SIGTERM/SIGINT (daemon.c)
 *   netmapd --check [FILE] check a configuration (default: the -c file or
 *                          /etc/netmapd/netmapd.yaml), its capacity, its
 *                          names against the host's interfaces (sysfs), its
 *                          NICs against their addresses and routes, its
 *                          memory against the RAM; changes nothing
 *   netmapd --plan FILE    print what applying FILE would do to the running
 *                          kernel, and exit
 *
 * Exit codes: 0 success (a clean stop; a valid file; a plan without
 * conflicts); 1 an invalid file, a failed start, a plan with conflicts;
 * 2 usage errors.
 */
#include <errno.h>
#include <getopt.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capacity.h"
#include "config.h"
#include "diag.h"
#include "daemon.h"
#include "lint.h"
#include "nicprep.h"
#include "plan_client.h"
#include "util.h"

#ifndef NETMAPD_VERSION
#define NETMAPD_VERSION "unknown"
#endif

static void help(FILE *f)
{
	fprintf(f,
		"Usage: netmapd [OPTIONS]\n"
		"\n"
		"The netmap daemon: loads netmap.ko, builds the VALE switches, pipes and\n"
		"monitors of its configuration, and hands port file descriptors to clients.\n"
		"\n"
		"  -n, --check [FILE] check FILE (default: the -c file, or\n"
		"                     %s): YAML, schema, names,\n"
		"                     references, memory regions as trust domains, the\n"
		"                     module's memory and the host's RAM, port names that\n"
		"                     are interfaces of this host, NICs in use (addresses,\n"
		"                     routes); warns about unknown users and groups; exit\n"
		"                     0 if valid; changes nothing\n"
		"      --no-host      with --check: the file alone, nothing of this host\n"
		"  -c, --config FILE  configuration to run with (default %s)\n"
		"      --plan FILE    print the actions applying FILE would take on the\n"
		"                     running kernel, and exit\n"
		"      --state FILE   the daemon's state file (default %s)\n"
		"      --socket PATH  listen on PATH instead of the file's socket.path\n"
		"      --no-module    do not load the module (it must be loaded already)\n"
		"      --no-release-watch  track handles by pidfd only (as on a module without\n"
		"                     the release watch)\n"
		"      --device PATH  the netmap control device (default /dev/netmap)\n"
		"  -v, --verbose      log debug messages too\n"
		"  -h, --help         show this help\n"
		"  -V, --version      show the version\n"
		"\n"
		"Without --check or --plan, runs in the foreground until SIGTERM or SIGINT;\n"
		"SIGHUP reloads the configuration. See netmapd(8); the file format is\n"
		"described in netmapd.yaml(5).\n",
		CONFIG_DEFAULT_PATH, CONFIG_DEFAULT_PATH, NMD_STATE_DEFAULT);
}

static void human(uint64_t bytes, char *buf, size_t len)
{
	if (bytes >= (10ull << 30))
		snprintf(buf, len, "%llu GiB", (unsigned long long)(bytes >> 30));
	else if (bytes >= (10ull << 20))
		snprintf(buf, len, "%llu MiB", (unsigned long long)(bytes >> 20));
	else
		snprintf(buf, len, "%llu KiB", (unsigned long long)(bytes >> 10));
}

static void print_summary(const struct nmd_config *c,
			  const struct capacity *cap)
{
	const struct cap_region *g = &cap->regions[0];
	size_t n_ids = 0, priv = 0;
	uint64_t priv_bytes = 0;
	unsigned params = 0;
	char a[32], b[32];

	printf("%s: OK\n", c->file);
	for (size_t i = 0; i < MP__COUNT; i++)
		params += c->module.params[i].set;
	printf("  module    %s, %u parameter%s set, %s on stop\n", c->module.load,
	       params, params == 1 ? "" : "s",
	       c->module.unload_on_stop ? "unloaded" : "left loaded");
	printf("  socket    %s mode %04o group %s\n", c->socket.path,
	       c->socket.mode, c->socket.group.name);
	printf("  switches  %zu (max_bridges %lld)\n", c->n_switches,
	       (long long)config_param(c, MP_MAX_BRIDGES));
	for (size_t i = 0; i < c->n_switches && i < 16; i++) {
		const struct nmd_switch *sw = &c->switches[i];
		size_t k[3] = { 0 };

		for (size_t j = 0; j < sw->n_ports; j++)
			k[sw->ports[j].kind]++;
		printf("    %-8s %zu ephemeral, %zu persistent, %zu NIC port%s\n",
		       sw->name, k[NMD_PORT_EPHEMERAL], k[NMD_PORT_PERSISTENT],
		       k[NMD_PORT_NIC], k[NMD_PORT_NIC] == 1 ? "" : "s");
	}
	if (c->n_switches > 16)
		printf("    ... and %zu more\n", c->n_switches - 16);
	for (size_t i = 0; i < c->n_pipes; i++)
		n_ids += c->pipes[i].n_ids;
	printf("  pipes     %zu\n", n_ids);
	printf("  monitors  %zu\n", c->n_monitors);
	human(g->bytes, a, sizeof(a));
	if (g->users)
		printf("  memory    global region %s: %llu of %llu netmap_ifs, %llu of %llu rings, %llu of %llu buffers\n",
		       a, (unsigned long long)g->need_num[CAP_IF],
		       (unsigned long long)g->have_num[CAP_IF],
		       (unsigned long long)g->need_num[CAP_RING],
		       (unsigned long long)g->have_num[CAP_RING],
		       (unsigned long long)g->need_num[CAP_BUF],
		       (unsigned long long)g->have_num[CAP_BUF]);
	else
		printf("  memory    global region unused\n");
	for (size_t i = 1; i < cap->n_regions; i++) {
		if (!cap->regions[i].users)
			continue;
		priv++;
		priv_bytes += cap->regions[i].bytes;
	}
	human(priv_bytes, b, sizeof(b));
	human(cap->total_bytes, a, sizeof(a));
	printf("            %zu private region%s, %s; %s in all (max_mem_mb %llu%s)\n", priv,
	       priv == 1 ? "" : "s", b, a, (unsigned long long)cap->max_mem_mb,
	       cap->max_mem_default ? ", half of the RAM" : "");
}

/*
 * Is @ifname an interface of this host (config_check_host())? From sysfs
 * (if_nametoindex() would make a root caller modprobe "netdev-NAME" for
 * each missing name). A persistent port of netmap is an Ethernet netdev
 * without a device and without a driver ethtool can name: such a one may
 * be ours (the plan asks the kernel); one with a driver, a device or
 * another type is the host's.
 */
static int host_probe(void *ctx, const char *ifname)
{
	struct ethtool_drvinfo info = { .cmd = ETHTOOL_GDRVINFO };
	struct ifreq ifr = { 0 };
	char path[96], type[16] = "";
	struct stat sb;
	FILE *f;
	int fd, r;

	(void)ctx;
	if (!ifname[0] || strlen(ifname) >= IF_NAMESIZE || strchr(ifname, '/') ||
	    !strcmp(ifname, ".") || !strcmp(ifname, ".."))
		return CONFIG_IF_NONE;
	snprintf(path, sizeof(path), "/sys/class/net/%s", ifname);
	if (stat(path, &sb) < 0)
		return errno == ENOENT || errno == ENOTDIR ? CONFIG_IF_NONE : -errno;
	snprintf(path, sizeof(path), "/sys/class/net/%s/device", ifname);
	if (stat(path, &sb) == 0)
		return CONFIG_IF_HOST;
	snprintf(path, sizeof(path), "/sys/class/net/%s/type", ifname);
	f = fopen(path, "re");
	if (f) {
		if (!fgets(type, sizeof(type), f))
			type[0] = '\0';
		fclose(f);
	}
	if (strcmp(type, "1\n"))
		return CONFIG_IF_HOST;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = (void *)&info;
	r = ioctl(fd, SIOCETHTOOL, &ifr);
	close(fd);
	return r == 0 && info.driver[0] ? CONFIG_IF_HOST : CONFIG_IF_MAYBE_VALE;
}

/*
 * The NICs of @c that apply would refuse now: one with addresses or routes
 * (unless force:). A NIC that does not exist is a warning: it may appear
 * before the daemon starts (apply then takes it), or the plan will say so.
 */
static int check_nics(const struct nmd_config *c, struct diags *d, struct diags *warn)
{
	int ret = 0;

	for (size_t i = 0; i < c->n_switches; i++)
		for (size_t j = 0; j < c->switches[i].n_ports; j++) {
			const struct nmd_port *p = &c->switches[i].ports[j];
			char why[256] = "";
			int r;

			if (p->kind != NMD_PORT_NIC)
				continue;
			r = nic_in_use(p->name, why, sizeof(why));
			if (r == -ENODEV)
				diag_add(warn, p->mark.line, p->mark.column,
					 "warning: NIC %s: no such network interface on this host now: applying the file fails until it exists",
					 p->name);
			else if (r > 0 && !p->prep.force)
				ret = diag_add(d, p->mark.line, p->mark.column,
					       "NIC %s is in use by the host (%s): netmapd refuses to take it; move its addresses and routes away, or set force: true for it",
					       p->name, why);
			else if (r < 0)
				diag_add(warn, p->mark.line, p->mark.column,
					 "warning: NIC %s: cannot tell whether it is in use: %s", p->name,
					 why[0] ? why : strerror(-r));
		}
	return ret;
}

/*
 * 0 valid, 1 invalid (messages on stderr; warnings do not make it invalid).
 * @host: also what depends on this host (interfaces, NICs, RAM, users).
 */
static int check(const char *path, bool host)
{
	struct nmd_config *c = NULL;
	struct capacity *cap = NULL;
	struct diags d, warn;
	uint64_t mem_total = 0, mem_avail = 0;
	int r;

	if (diags_init(&d, path) < 0 || diags_init(&warn, path) < 0) {
		fprintf(stderr, "netmapd: out of memory\n");
		diags_done(&d);
		return 1;
	}
	r = config_load(path, &c, &d);
	if (r == 0)
		r = diags_copy_files(&warn, &d); /* warnings name the file of each line too */
	if (r == 0) {
		int h;

		/* Every check runs, so that one pass reports every problem. */
		r = capacity_check(c, &cap, &d);
		if (!host)
			goto summary;
		h = config_check_host(c, host_probe, NULL, &d);
		if (h < 0 && h != -EINVAL && h != -ENOMEM)
			fprintf(stderr, "%s: cannot look at the host's interfaces: %s\n", path,
				strerror(-h));
		r = r ? r : h;
		if (cap && capacity_host_memory(NULL, &mem_total, &mem_avail) == 0) {
			h = capacity_check_host(cap, mem_total, mem_avail, &d, &warn);
			r = r ? r : h;
		}
		h = check_nics(c, &d, &warn);
		r = r ? r : h;
		config_lint(c, &warn);
	}
summary:
	if (r == -ENOMEM)
		fprintf(stderr, "%s: out of memory\n", path);
	diags_sort(&d);
	diags_print(&d, stderr);
	diags_sort(&warn);
	diags_print(&warn, stderr);
	fflush(stderr);
	if (r == 0)
		print_summary(c, cap);
	capacity_free(cap);
	config_free(c);
	diags_done(&d);
	diags_done(&warn);
	return r == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "check", optional_argument, NULL, 'n' },
		{ "config", required_argument, NULL, 'c' },
		{ "plan", required_argument, NULL, 'P' },
		{ "state", required_argument, NULL, 'S' },
		{ "socket", required_argument, NULL, 'L' },
		{ "no-module", no_argument, NULL, 'M' },
		{ "no-host", no_argument, NULL, 'H' },
		{ "no-release-watch", no_argument, NULL, 'W' },
		{ "device", required_argument, NULL, 'D' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct daemon_opts dopts = { 0 };
	const char *check_file = NULL, *plan_file = NULL;
	bool check_mode = false, check_host = true;
	int o;

	while ((o = getopt_long(argc, argv, "n::c:vhV", opts, NULL)) != -1) {
		switch (o) {
		case 'n':
			check_mode = true;
			check_file = optarg;
			break;
		case 'c':
			dopts.config_path = optarg;
			break;
		case 'P':
			plan_file = optarg;
			break;
		case 'S':
			dopts.state_path = optarg;
			break;
		case 'L':
			dopts.socket_path = optarg;
			break;
		case 'M':
			dopts.no_module = true;
			break;
		case 'H':
			check_host = false;
			break;
		case 'W':
			dopts.no_release_watch = true;
			break;
		case 'D':
			dopts.dev = optarg;
			break;
		case 'v':
			dopts.verbose = true;
			break;
		case 'h':
			help(stdout);
			return 0;
		case 'V':
			printf("netmapd %s\n", NETMAPD_VERSION);
			return 0;
		default:
			help(stderr);
			return 2;
		}
	}
	/* --check [FILE]: the file may follow as an argument; without one, -c's or the default. */
	if (check_mode && !check_file)
		check_file = optind < argc ? argv[optind++] :
			     dopts.config_path ? dopts.config_path : CONFIG_DEFAULT_PATH;
	if (optind < argc) {
		fprintf(stderr, "netmapd: unexpected argument \"%s\"\n", argv[optind]);
		help(stderr);
		return 2;
	}
	if (check_file && plan_file) {
		fprintf(stderr, "netmapd: --check and --plan do not go together\n");
		return 2;
	}
	if (check_file)
		return check(check_file, check_host);
	if (plan_file)
		return plan_client_run(&dopts, plan_file);
	return daemon_run(&dopts);
}
