/*
 * Helpers of the deploy tests: deterministic test files, and the two independent CID oracles the
 * importer is judged against (Debian's ipfs_cid, and the reference JavaScript UnixFS importer
 * installed by scripts/peers-install.sh under tests/peers/unixfs/).
 */
#ifndef AEGIS_TEST_DEPLOY_ORACLE_H
#define AEGIS_TEST_DEPLOY_ORACLE_H

#include "deploy/deploy.h"

#include <stddef.h>
#include <stdint.h>

/* Fills buf with a reproducible pseudo-random byte stream (xorshift64 seeded by seed). */
void fill_pattern(uint8_t *buf, size_t len, uint64_t seed);

/* Creates a fresh directory under /tmp for one test; returns its path (static buffer). */
const char *make_temp_dir(void);

/* Writes len pattern bytes (seeded) to path; fails the test on error. */
void write_pattern_file(const char *path, size_t len, uint64_t seed);

/* Runs a shell command and returns its standard output (malloc'd, trailing newline kept); fails
 * the test when it exits non-zero. */
char *run_capture(const char *cmd);

/* ipfs_cid FILE: the CIDv0 and CIDv1 it prints (each DEP_CID_TEXT_MAX bytes). */
void oracle_ipfs_cid(const char *path, char *v0, char *v1);

/* The JavaScript importer's CIDs for n files, in the Kubo-default profile ("v0") or the
 * --cid-version 1 profile ("v1"); out[i] receives DEP_CID_TEXT_MAX bytes each. car_dir, when not
 * NULL, also receives <basename>.car for every file. */
void oracle_js(const char *profile, const char *const *paths, size_t n,
               char (*out)[DEP_CID_TEXT_MAX], const char *car_dir);

/* Reads a whole file or fails the test. */
uint8_t *slurp(const char *path, size_t *len);

#endif
