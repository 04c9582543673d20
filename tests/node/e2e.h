/*
 * Helpers for the end-to-end tests of tests/node: free loopback ports, temporary files, starting
 * the real programs (aegis-node, aegis-demo-origin) with their output in a file, and a small
 * blocking HTTP/1.1 client over real sockets. Every wait is bounded.
 */
#ifndef AEGIS_TESTS_NODE_E2E_H
#define AEGIS_TESTS_NODE_E2E_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* A loopback port that was free a moment ago. */
uint16_t e2e_free_port(void);

/* Writes text to a new temporary file; returns its path (static storage per call: copy it). */
void e2e_write_file(const char *path, const char *text);
/* A fresh temporary path "/tmp/aegis-e2e-XXXXXX<suffix>" written into buf (cap bytes). */
void e2e_temp_path(char *buf, size_t cap, const char *suffix);

typedef struct {
    pid_t pid;
    char out_path[128]; /* stdout and stderr of the process */
} e2e_proc;

/* Starts argv[0] (NULL-terminated argv) with stdout+stderr to a temporary file. */
void e2e_start(e2e_proc *p, char *const argv[]);
/* Runs a program to completion (at most timeout_ms); returns its exit status, output in *out
 * (caller frees). */
int e2e_run(char *const argv[], int timeout_ms, char **out);
/* Sends sig and waits at most timeout_ms for the exit; returns the exit status (-1 on timeout,
 * 128+N when killed by signal N). */
int e2e_stop(e2e_proc *p, int sig, int timeout_ms);
/* Waits at most timeout_ms for the process to exit; status as e2e_stop. */
int e2e_wait(e2e_proc *p, int timeout_ms);
/* The process's output so far (caller frees). */
char *e2e_output(const e2e_proc *p);
/* Waits until the output contains `text`; false after timeout_ms. */
bool e2e_wait_output(const e2e_proc *p, const char *text, int timeout_ms);
/* Waits until something accepts connections on 127.0.0.1:port. */
bool e2e_wait_port(uint16_t port, int timeout_ms);

/* Starts aegis-demo-origin on port with a name, and waits for it. */
void e2e_start_origin(e2e_proc *p, uint16_t port, const char *name);
/* Starts aegis-node on a config file and waits for its listener port. */
void e2e_start_node(e2e_proc *p, const char *config_path, uint16_t port);

/* ---- a small HTTP client ----------------------------------------------------------------- */

typedef struct {
    int status;
    char head[8192]; /* status line and headers as received */
    char *body;      /* NUL-terminated; caller frees with e2e_response_free */
    size_t body_len;
} e2e_response;

/* A connection to 127.0.0.1:port (fails the test if refused). */
int e2e_connect(uint16_t port);
/* Sends raw bytes. */
void e2e_send(int fd, const char *data, size_t len);
/* Reads one response (Content-Length or chunked or until close) within timeout_ms. Returns
 * false on timeout or when the connection closed before a response. */
bool e2e_read_response(int fd, e2e_response *r, int timeout_ms);
/* One request on a new connection ("Connection: close" added); fails the test on no answer. */
void e2e_request(uint16_t port, const char *method, const char *path, const char *host,
                 const char *extra_headers, const char *body, e2e_response *r);
/* Value of a response header (static buffer) or NULL. */
const char *e2e_header(const e2e_response *r, const char *name);
void e2e_response_free(e2e_response *r);

/* A config file for aegis-node with the given YAML (access log to log_path or "off"). */
void e2e_node_config(char *path, size_t cap, const char *yaml);

#endif
