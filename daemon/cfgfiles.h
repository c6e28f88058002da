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

struct nmd_config_text;

/*
 * Read @path and everything it pulls in. Returns 0 and the merged tree in
 * *ret (NULL when every file is empty; the caller frees it), -EINVAL with
 * messages in @d, or -ENOMEM. @d gets the file table of every file read.
 *
 * *texts, *n_texts (if @texts is not NULL) get the name and bytes of every
 * file read, each once, in the order read (the main file first): what an
 * unconfirmed apply's crash-safe record keeps. Free with config_texts_free().
 *
 * With @saved (@n_saved files, as *texts gave them), nothing is read from
 * disk: each file, @path included, is looked up by name in @saved, and the
 * drop-ins are the saved files named "<@path>.d/NAME.yaml", in lexical
 * order. So the same tree comes back from the texts whatever became of the
 * files; a file missing from @saved is an error (-ENOENT for @path).
 */
int cfgfiles_load(const char *path, const struct nmd_config_text *saved, size_t n_saved,
		  struct diags *d, struct yaml_doc_node **ret, struct nmd_config_text **texts,
		  size_t *n_texts);
void cfgfiles_texts_free(struct nmd_config_text *v, size_t n);

#endif /* NETMAPD_CFGFILES_H */
