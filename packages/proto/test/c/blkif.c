/*
 * Lays out io/blkif.h's structs from Xen's own header, for the TypeScript codecs to match.
 * First it prints sizes, offsets and __CONST_RING_SIZE(blkif, 4096 << order) for orders 0..4;
 * then, for each line on stdin, the bytes of one value built field by field from it:
 *
 *   rw  <op> <handle> <id> <sector> <nseg> [<gref> <first> <last>]...   a blkif_request
 *   dis <flag> <handle> <id> <sector> <nr_sectors>                      a blkif_request_discard
 *   ind <indirect_op> <nseg> <handle> <id> <sector> <npages> <gref>...  a blkif_request_indirect
 *   rsp <id> <op> <status>                                              a blkif_response
 *   seg <n> [<gref> <first> <last>]...                                  an indirect page's array
 *
 * Requests are printed as the whole ring entry (union blkif_sring_entry, zeroed first), so
 * padding and the bytes after a smaller variant are compared too.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define __XEN_INTERFACE_VERSION__ 0x00040e00
#define xen_mb()  __sync_synchronize()
#define xen_rmb() __sync_synchronize()
#define xen_wmb() __sync_synchronize()
#include <xen/xen.h>
#include <xen/grant_table.h>
#include <xen/io/blkif.h>

#define PAGE_SIZE 4096

static void hex(const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) printf("%02x", b[i]);
    printf("\n");
}

static uint64_t next(char **save)
{
    char *tok = strtok_r(NULL, " \n", save);
    if (!tok) { fprintf(stderr, "short line\n"); exit(2); }
    return strtoull(tok, NULL, 0);
}

int main(void)
{
    printf("sizes %zu %zu %zu %zu %zu %zu\n", sizeof(struct blkif_request), sizeof(struct blkif_request_segment),
           sizeof(struct blkif_request_discard), sizeof(struct blkif_request_indirect),
           sizeof(struct blkif_response), sizeof(union blkif_sring_entry));
    printf("request %zu %zu %zu %zu %zu %zu\n", offsetof(struct blkif_request, operation),
           offsetof(struct blkif_request, nr_segments), offsetof(struct blkif_request, handle),
           offsetof(struct blkif_request, id), offsetof(struct blkif_request, sector_number),
           offsetof(struct blkif_request, seg));
    printf("segment %zu %zu %zu\n", offsetof(struct blkif_request_segment, gref),
           offsetof(struct blkif_request_segment, first_sect), offsetof(struct blkif_request_segment, last_sect));
    printf("discard %zu %zu %zu %zu %zu %zu\n", offsetof(struct blkif_request_discard, operation),
           offsetof(struct blkif_request_discard, flag), offsetof(struct blkif_request_discard, handle),
           offsetof(struct blkif_request_discard, id), offsetof(struct blkif_request_discard, sector_number),
           offsetof(struct blkif_request_discard, nr_sectors));
    printf("indirect %zu %zu %zu %zu %zu %zu %zu\n", offsetof(struct blkif_request_indirect, operation),
           offsetof(struct blkif_request_indirect, indirect_op), offsetof(struct blkif_request_indirect, nr_segments),
           offsetof(struct blkif_request_indirect, id), offsetof(struct blkif_request_indirect, sector_number),
           offsetof(struct blkif_request_indirect, handle), offsetof(struct blkif_request_indirect, indirect_grefs));
    printf("response %zu %zu %zu\n", offsetof(struct blkif_response, id), offsetof(struct blkif_response, operation),
           offsetof(struct blkif_response, status));
    printf("constants %d %d %d %d %d %d %d %d %d %d %d %d %d %d %d\n", BLKIF_OP_READ, BLKIF_OP_WRITE,
           BLKIF_OP_WRITE_BARRIER, BLKIF_OP_FLUSH_DISKCACHE, BLKIF_OP_RESERVED_1, BLKIF_OP_DISCARD, BLKIF_OP_INDIRECT,
           BLKIF_MAX_SEGMENTS_PER_REQUEST, BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST, BLKIF_RSP_EOPNOTSUPP, BLKIF_RSP_ERROR,
           BLKIF_RSP_OKAY, VDISK_CDROM, VDISK_REMOVABLE, VDISK_READONLY);
    printf("ring %zu", offsetof(struct blkif_sring, ring));
    for (unsigned order = 0; order <= 4; order++) printf(" %u", (unsigned)__CONST_RING_SIZE(blkif, PAGE_SIZE << order));
    printf("\n");

    char line[65536];
    while (fgets(line, sizeof line, stdin)) {
        char *save;
        char *kind = strtok_r(line, " \n", &save);
        if (!kind) continue;
        union blkif_sring_entry e;
        memset(&e, 0, sizeof e);
        if (!strcmp(kind, "rw")) {
            struct blkif_request *r = &e.req;
            r->operation = (uint8_t)next(&save);
            r->handle = (blkif_vdev_t)next(&save);
            r->id = next(&save);
            r->sector_number = next(&save);
            r->nr_segments = (uint8_t)next(&save);
            for (unsigned i = 0; i < r->nr_segments && i < BLKIF_MAX_SEGMENTS_PER_REQUEST; i++) {
                r->seg[i].gref = (grant_ref_t)next(&save);
                r->seg[i].first_sect = (uint8_t)next(&save);
                r->seg[i].last_sect = (uint8_t)next(&save);
            }
            hex(&e, sizeof e);
        } else if (!strcmp(kind, "dis")) {
            struct blkif_request_discard *d = (struct blkif_request_discard *)&e.req;
            d->operation = BLKIF_OP_DISCARD;
            d->flag = (uint8_t)next(&save);
            d->handle = (blkif_vdev_t)next(&save);
            d->id = next(&save);
            d->sector_number = next(&save);
            d->nr_sectors = next(&save);
            hex(&e, sizeof e);
        } else if (!strcmp(kind, "ind")) {
            struct blkif_request_indirect *r = (struct blkif_request_indirect *)&e.req;
            r->operation = BLKIF_OP_INDIRECT;
            r->indirect_op = (uint8_t)next(&save);
            r->nr_segments = (uint16_t)next(&save);
            r->handle = (blkif_vdev_t)next(&save);
            r->id = next(&save);
            r->sector_number = next(&save);
            unsigned pages = (unsigned)next(&save);
            for (unsigned i = 0; i < pages && i < BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST; i++)
                r->indirect_grefs[i] = (grant_ref_t)next(&save);
            hex(&e, sizeof e);
        } else if (!strcmp(kind, "rsp")) {
            struct blkif_response *r = &e.rsp;
            r->id = next(&save);
            r->operation = (uint8_t)next(&save);
            r->status = (int16_t)(int64_t)next(&save);
            hex(r, sizeof *r);
        } else if (!strcmp(kind, "seg")) {
            static struct blkif_request_segment page[PAGE_SIZE / sizeof(struct blkif_request_segment)];
            unsigned n = (unsigned)next(&save);
            memset(page, 0, sizeof page);
            for (unsigned i = 0; i < n && i < PAGE_SIZE / sizeof(struct blkif_request_segment); i++) {
                page[i].gref = (grant_ref_t)next(&save);
                page[i].first_sect = (uint8_t)next(&save);
                page[i].last_sect = (uint8_t)next(&save);
            }
            hex(page, n * sizeof(struct blkif_request_segment));
        } else {
            fprintf(stderr, "unknown line kind %s\n", kind);
            return 1;
        }
    }
    return 0;
}
