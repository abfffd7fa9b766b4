// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Helpers shared by the subcommands: diagnostics printing and loading
 * sysctl files.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ctfw/rules.h"
#include "ctfw/eval.h"

static const char *const sev_name[] = {
    [CTFW_DIAG_ERROR] = "error",
    [CTFW_DIAG_WARNING] = "warning",
    [CTFW_DIAG_NOTE] = "note",
};

void
cli_print_sysctl_diag(void *arg, const struct ctfw_sysctl_diag *d)
{
    (void)arg;
    if (d->file && d->line)
        fprintf(stderr, "%s:%u:%u: %s: %s\n", d->file, d->line, d->col,
                sev_name[d->severity], d->msg);
    else
        fprintf(stderr, "ctfw: %s: %s\n", sev_name[d->severity], d->msg);
}

int
cli_read_file(const char *path, char **out, size_t *len)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (!f)
        return -errno;
    size_t cap = 8192, n = 0;
    char *buf = malloc(cap);
    if (!buf) {
        if (f != stdin)
            fclose(f);
        return -ENOMEM;
    }
    for (;;) {
        if (n + 4096 > cap) {
            cap *= 2;
            char *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                if (f != stdin)
                    fclose(f);
                return -ENOMEM;
            }
            buf = nb;
        }
        size_t r = fread(buf + n, 1, cap - n - 1, f);
        if (r == 0)
            break;
        n += r;
    }
    int err = ferror(f) ? -EIO : 0;
    if (f != stdin)
        fclose(f);
    if (err) {
        free(buf);
        return err;
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return 0;
}

int
cli_load_sysctl_file(struct ctfw_sysctl *s, const char *path)
{
    char *text;
    size_t len;
    int rc = cli_read_file(path, &text, &len);
    if (rc < 0) {
        cli_error("%s: %s", path, strerror(-rc));
        return 1;
    }
    int errors = ctfw_sysctl_parse(s, text, len, path,
                                   cli_print_sysctl_diag, NULL);
    free(text);
    return errors;
}

int
cli_apply_sysctl_set(struct ctfw_sysctl *s, const char *kv)
{
    const char *eq = strchr(kv, '=');
    if (!eq) {
        cli_error("--set %s: expected KEY=VALUE", kv);
        return 1;
    }
    char key[256];
    size_t kl = (size_t)(eq - kv);
    if (kl >= sizeof(key)) {
        cli_error("--set: key too long");
        return 1;
    }
    memcpy(key, kv, kl);
    key[kl] = '\0';
    int rc = ctfw_sysctl_set(s, key, eq + 1, cli_print_sysctl_diag, NULL);
    /* A 2.6-era name is a warning, as for files; anything else fails. */
    if (rc == -ENOENT && (strstr(key, "ip_conntrack") != NULL))
        return 0;
    return rc < 0 ? 1 : 0;
}

/*
 * After the located diagnostics of a ruleset: "N errors; PROG would
 * print:" and the text the real tool prints for the first error (PROG
 * is iptables-restore for restore input, iptables or ip6tables for a
 * command script). A shell problem (no iptables text): the count alone.
 */
void
cli_rules_would_print(FILE *f, size_t n, const struct ctfw_rules_diag *d)
{
    const char *text = d && d->iptables ? d->iptables : "";
    if (!*text) {
        fprintf(f, "%zu error%s\n", n, n == 1 ? "" : "s");
        return;
    }
    const char *p = text;
    if (!strncmp(p, "Try `", 5))
        p += 5;
    size_t k = strcspn(p, " :'");
    fprintf(f, "%zu error%s; %.*s would print:\n", n, n == 1 ? "" : "s",
            (int)k, p);
    fputs(text, f);
}

void
cli_rules_mode(struct ctfw_ruleset *rs)
{
    const char *m = getenv("CTFW_RULES_EVAL");
    if (!m || !*m || !strcmp(m, "auto"))
        ctfw_rules_set_mode(rs, CTFW_RULES_AUTO);
    else if (!strcmp(m, "linear"))
        ctfw_rules_set_mode(rs, CTFW_RULES_LINEAR);
    else if (!strcmp(m, "compiled"))
        ctfw_rules_set_mode(rs, CTFW_RULES_COMPILED);
    else
        cli_warn("CTFW_RULES_EVAL=%s: expected auto, linear or compiled; "
                 "using auto", m);
}

/* Every located diagnostic of a ruleset that failed to load, then (with
 * would_print) what the real tool would print for the first one.
 * Returns how many there were. */
size_t
cli_rules_print_diags(FILE *f, const struct ctfw_ruleset *rs,
                      bool would_print)
{
    size_t n = ctfw_rules_diag_count(rs);
    for (size_t i = 0; i < n; i++) {
        char *d = ctfw_rules_diag_format(rs, i);
        if (d)
            fputs(d, f);
        free(d);
    }
    if (would_print && n)
        cli_rules_would_print(f, n, ctfw_rules_diag_first(rs));
    return n;
}
