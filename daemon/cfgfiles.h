/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cfgfiles - the files of one configuration read into one YAML tree.
 *
 * The main file, the files it names in a top-level "include:" (relative
 * to the including file), and the drop-ins "<main file>.d/NAME.yaml" in
 * lexical order. An included file is merged before the file that includes
 * it (it supplies defaults); the drop-ins are merged last, each after the
 * previous one. Merging: mappings key by key, sequences appended, anything
 * else replaced by the later file's value.
 *
 * All files share one line numbering (each file gets its own range, see
 * diags_add_file()), so a node's line names its file and the messages of
 * the walk and the cross-checks print "FILE:LINE:COLUMN".
 */
#ifndef NETMAPD_CFGFILES_H
#define NETMAPD_CFGFILES_H

#include "diag.h"
#include "yaml_doc.h"

#define CFGFILES_DEPTH_MAX 8 /* includes inside includes */
#define CFGFILES_MAX 64      /* files in one configuration */

/*
 * Read @path and everything it pulls in. Returns 0 and the merged tree in
 * *ret (NULL when every file is empty; the caller frees it), -EINVAL with
 * messages in @d, or -ENOMEM. @d gets the file table of every file read.
 * *text (if not NULL) gets a copy of the main file's bytes when it was the
 * only file read, else NULL: a configuration of one file can be re-read
 * from its text (an unconfirmed apply's crash-safe record keeps it).
 */
int cfgfiles_load(const char *path, struct diags *d, struct yaml_doc_node **ret, char **text);

#endif /* NETMAPD_CFGFILES_H */
