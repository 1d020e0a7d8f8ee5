/* mprotect-touched: write 64 pages, mprotect(PROT_READ), mprotect(PROT_READ|PROT_WRITE), write
 * them again. Linux's change_pte_range makes an exclusive anonymous page writable at once
 * (can_change_pte_writable), so the second write takes no fault. */
#include "fidelity.h"

int main(void) {
  long t0, i = 0;
  char *p = region(PAGES);
  BEGIN(t0, RUSAGE_SELF);
  WRITE_PAGES(p, i, 0, PAGES);
  END(t0, RUSAGE_SELF, "touch");
  if (mprotect(p, PAGES * PAGE, PROT_READ) != 0 || mprotect(p, PAGES * PAGE, PROT_READ | PROT_WRITE) != 0) {
    return 90;
  }
  i = 0;
  BEGIN(t0, RUSAGE_SELF);
  WRITE_PAGES(p, i, 0, PAGES);
  END(t0, RUSAGE_SELF, "write");
  return 0;
}
