/* Lays out grant_entry_v1_t from Xen's own grant_table.h: for each (flags, domid, frame) triple
 * on the command line, prints the struct's 8 bytes; first, its size and field offsets. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xen/xen.h>
#include <xen/grant_table.h>

int main(int argc, char **argv) {
  printf("%zu %zu %zu %zu\n", sizeof(grant_entry_v1_t), offsetof(grant_entry_v1_t, flags),
         offsetof(grant_entry_v1_t, domid), offsetof(grant_entry_v1_t, frame));
  for (int i = 1; i + 2 < argc; i += 3) {
    grant_entry_v1_t e;
    memset(&e, 0, sizeof e);
    e.flags = (uint16_t)strtoul(argv[i], NULL, 0);
    e.domid = (domid_t)strtoul(argv[i + 1], NULL, 0);
    e.frame = (uint32_t)strtoul(argv[i + 2], NULL, 0);
    const unsigned char *p = (const unsigned char *)&e;
    for (size_t b = 0; b < sizeof e; b++) printf(b ? " %u" : "%u", p[b]);
    printf("\n");
  }
  return 0;
}
