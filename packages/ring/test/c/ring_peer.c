/*
 * A ring peer built from Xen's own io/ring.h, driven by the TypeScript tests through a file
 * holding the 4 KiB ring page: each run loads the page, plays one turn, and writes it back.
 *
 *   ring_peer init  <page> <start>                 SHARED_RING_INIT, then every index at <start>
 *   ring_peer back  <page> <index>                 answer every request, as a backend does
 *   ring_peer front <page> <rsp_cons> <count> <id> take every response, then make <count> requests
 *
 * It prints one line per request or response it sees, and every notify decision, for the test
 * to compare with what the TypeScript end did. With RING_PAGES=n in the environment the file
 * holds a multi-page ring of n pages (as ring-page-order log2(n)), and init prints its RING_SIZE.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Ask for the current interface, under which ring.h leaves its barriers to the includer. */
#define __XEN_INTERFACE_VERSION__ 0x00040e00
#define xen_mb()  __sync_synchronize()
#define xen_rmb() __sync_synchronize()
#define xen_wmb() __sync_synchronize()
#include <xen/io/ring.h>

#define PAGE_SIZE 4096
#define ECHO_OP_SUM 1
#define ECHO_OP_XOR 2
#define ECHO_DATA_MAX 24
#define EINVAL 22

struct echo_request {
    uint32_t id;
    uint16_t op;
    uint16_t len;
    uint8_t data[ECHO_DATA_MAX];
};

struct echo_response {
    uint32_t id;
    int32_t status;
    uint32_t value;
};

DEFINE_RING_TYPES(echo, struct echo_request, struct echo_response);

_Static_assert(sizeof(struct echo_request) == 32, "request is 32 bytes");
_Static_assert(sizeof(struct echo_response) == 12, "response is 12 bytes");
_Static_assert(offsetof(struct echo_sring, ring) == 64, "entries start at 64");
_Static_assert(__CONST_RING_SIZE(echo, PAGE_SIZE) == 64, "64 entries of 32 bytes");
_Static_assert(__CONST_RING_SIZE(echo, PAGE_SIZE << 4) == 1024, "order 4: 1024 entries");

#define MAX_PAGES 16

static union {
    struct echo_sring sring;
    uint8_t bytes[PAGE_SIZE * MAX_PAGES];
} page;

/* The ring's size in bytes: RING_PAGES pages (default 1). */
static size_t ring_bytes;

static void load(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f || fread(page.bytes, 1, ring_bytes, f) != ring_bytes) { perror(path); exit(2); }
    fclose(f);
}

static void store(const char *path)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(page.bytes, 1, ring_bytes, f) != ring_bytes) { perror(path); exit(2); }
    fclose(f);
}

static RING_IDX arg(const char *s)
{
    return (RING_IDX)strtoul(s, NULL, 0);
}

static struct echo_response answer(const struct echo_request *req)
{
    struct echo_response rsp = { .id = req->id, .status = 0, .value = 0 };
    if ((req->op != ECHO_OP_SUM && req->op != ECHO_OP_XOR) || req->len > ECHO_DATA_MAX) {
        rsp.status = -EINVAL;
        return rsp;
    }
    for (unsigned i = 0; i < req->len; i++)
        rsp.value = req->op == ECHO_OP_SUM ? rsp.value + req->data[i] : rsp.value ^ req->data[i];
    return rsp;
}

static void init(RING_IDX start)
{
    struct echo_front_ring front;
    XEN_FRONT_RING_INIT(&front, &page.sring, ring_bytes);
    page.sring.req_prod = page.sring.rsp_prod = start;
    page.sring.req_event = page.sring.rsp_event = start + 1;
    printf("size %u\n", RING_SIZE(&front));
}

static void back(RING_IDX index)
{
    struct echo_back_ring ring;
    int more, notify;
    BACK_RING_ATTACH(&ring, &page.sring, index, ring_bytes);
    do {
        RING_IDX rc = ring.req_cons, rp = ring.sring->req_prod;
        xen_rmb();
        if (RING_REQUEST_PROD_OVERFLOW(&ring, rp)) { printf("broken\n"); exit(3); }
        while (rc != rp && !RING_REQUEST_CONS_OVERFLOW(&ring, rc)) {
            struct echo_request req;
            RING_COPY_REQUEST(&ring, rc, &req);
            ring.req_cons = ++rc;
            printf("req %u %u %u\n", req.id, req.op, req.len);
            *RING_GET_RESPONSE(&ring, ring.rsp_prod_pvt) = answer(&req);
            ring.rsp_prod_pvt++;
        }
        RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&ring, notify);
        printf("notify %d\n", notify);
        RING_FINAL_CHECK_FOR_REQUESTS(&ring, more);
    } while (more);
    printf("state %u %u %u\n", ring.req_cons, ring.rsp_prod_pvt, ring.sring->req_event);
}

static void front(RING_IDX rsp_cons, unsigned count, uint32_t id)
{
    struct echo_front_ring ring;
    int more, notify;
    FRONT_RING_ATTACH(&ring, &page.sring, rsp_cons, ring_bytes);
    /* Resuming: every request this front made was pushed before its last turn ended. */
    ring.req_prod_pvt = ring.sring->req_prod;
    do {
        RING_IDX rp = ring.sring->rsp_prod;
        xen_rmb();
        if (RING_RESPONSE_PROD_OVERFLOW(&ring, rp)) { printf("broken\n"); exit(3); }
        while (ring.rsp_cons != rp) {
            struct echo_response rsp;
            RING_COPY_RESPONSE(&ring, ring.rsp_cons, &rsp);
            ring.rsp_cons++;
            printf("rsp %u %d %u\n", rsp.id, rsp.status, rsp.value);
        }
        RING_FINAL_CHECK_FOR_RESPONSES(&ring, more);
    } while (more);
    for (unsigned n = 0; n < count && !RING_FULL(&ring); n++, id++) {
        struct echo_request *req = RING_GET_REQUEST(&ring, ring.req_prod_pvt);
        memset(req, 0, sizeof(*req));
        req->id = id;
        req->op = id % 2 ? ECHO_OP_XOR : ECHO_OP_SUM;
        req->len = id % (ECHO_DATA_MAX + 1);
        for (unsigned i = 0; i < req->len; i++)
            req->data[i] = (uint8_t)(id * 7 + i * 13);
        ring.req_prod_pvt++;
    }
    RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&ring, notify);
    printf("notify %d\n", notify);
    printf("state %u %u %u\n", ring.rsp_cons, ring.req_prod_pvt, ring.sring->rsp_event);
}

int main(int argc, char **argv)
{
    const char *pages = getenv("RING_PAGES");
    unsigned n = pages ? (unsigned)strtoul(pages, NULL, 0) : 1;
    if (n < 1 || n > MAX_PAGES) { fprintf(stderr, "RING_PAGES %s: 1..%d\n", pages, MAX_PAGES); return 1; }
    ring_bytes = (size_t)n * PAGE_SIZE;
    if (argc >= 4 && !strcmp(argv[1], "init")) {
        init(arg(argv[3]));
    } else if (argc >= 4 && !strcmp(argv[1], "back")) {
        load(argv[2]);
        back(arg(argv[3]));
    } else if (argc >= 6 && !strcmp(argv[1], "front")) {
        load(argv[2]);
        front(arg(argv[3]), (unsigned)arg(argv[4]), (uint32_t)arg(argv[5]));
    } else {
        fprintf(stderr, "usage: ring_peer init|back|front <page> ...\n");
        return 1;
    }
    store(argv[2]);
    return 0;
}
