/*
 * The system calls Node lacks, for the walk and the fix: openat(), fstatat() and fstat() answered as numbers,
 * a directory listed with getdents64() and every entry examined with fstatat() in the same call,
 * fchownat()/fchmodat2() with AT_EMPTY_PATH on a pinned descriptor, and the access ACL of a pinned inode.
 *
 * Each call works relative to a descriptor the caller holds: nothing here resolves a path from `/`, follows a
 * link, or changes the working directory. The safety model (which descriptor, which checks, in which order)
 * stays in the TypeScript callers; this file only makes the calls cheaper than `/proc/self/fd/N/name`, which
 * makes the kernel resolve `/proc`, `self`, `fd` and `N` again for every name.
 *
 * Errors are thrown as Error objects with `code` set to the errno name (as Node's fs does), except where a
 * call returns per-entry errno numbers in a batch.
 */
#define _GNU_SOURCE
#define NAPI_VERSION 8
#include <node_api.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

/*
 * glibc 2.34 moved the pthread functions into libc under new symbol versions and kept the old ones: binding
 * to the old ones lets helpers built on a newer system load on RHEL 8 (glibc 2.28) too.
 */
#if defined(__x86_64__)
__asm__(".symver pthread_create,pthread_create@GLIBC_2.2.5");
__asm__(".symver pthread_attr_setstacksize,pthread_attr_setstacksize@GLIBC_2.2.5");
#endif

#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif

/*
 * fstat()/fstatat() as the kernel's own calls: glibc exports them as functions only since 2.33 (earlier,
 * through __fxstat wrappers), and the helpers must load on older systems too. struct stat is the kernel's
 * layout on 64-bit Linux.
 */
static int sys_fstatat(int dirfd, const char *name, struct stat *st, int flags) {
  return (int)syscall(SYS_newfstatat, dirfd, name, st, flags);
}
static int sys_fstat(int fd, struct stat *st) {
  return (int)syscall(SYS_newfstatat, fd, "", st, AT_EMPTY_PATH);
}

/* Numbers per entry in a batch: mode, uid, gid, dev, ino, nlink. */
#define NUMS 6
/* getdents64 buffer: at most 32768 / 24 = 1365 entries per call (the smallest record is 24 bytes). */
#define DENTS_BYTES 32768
#define MAX_BATCH 1366
_Static_assert(DENTS_BYTES / 24 < MAX_BATCH, "one getdents64 buffer must fit a batch");

struct linux_dirent64 {
  uint64_t d_ino;
  int64_t d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[];
};

/* The errno names Node gives as `code` (strerrorname_np() needs glibc 2.32; RHEL 8 has 2.28). */
static const char *errno_name(int err) {
  switch (err) {
#define E(x) case x: return #x;
    E(EPERM) E(ENOENT) E(EINTR) E(EIO) E(ENXIO) E(EBADF) E(EAGAIN) E(ENOMEM) E(EACCES) E(EFAULT) E(EBUSY)
    E(EEXIST) E(EXDEV) E(ENODEV) E(ENOTDIR) E(EISDIR) E(EINVAL) E(ENFILE) E(EMFILE) E(ETXTBSY) E(EFBIG)
    E(ENOSPC) E(EROFS) E(EMLINK) E(ENAMETOOLONG) E(ENOSYS) E(ENOTEMPTY) E(ELOOP) E(EOVERFLOW)
    case EOPNOTSUPP: return "ENOTSUP"; /* Node's (libuv's) name for 95 */
   
    E(ESTALE) E(EDQUOT) E(EILSEQ) E(ERANGE) E(ENOTCONN) E(ETIMEDOUT) E(EHOSTDOWN) E(EREMOTEIO) E(EUCLEAN)
    E(ECANCELED) E(ENODATA) E(EPROTO) E(ENOLINK) E(ESRCH) E(ECONNREFUSED) E(ECONNRESET) E(EHOSTUNREACH)
#undef E
    default: return "UNKNOWN";
  }
}

static napi_value throw_errno(napi_env env, int err, const char *syscall) {
  napi_value code, msg, error, sc;
  const char *name = errno_name(err);
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &code);
  char text[160];
  snprintf(text, sizeof text, "%s: %s", name, syscall);
  napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &msg);
  napi_create_error(env, code, msg, &error);
  napi_set_named_property(env, error, "code", code);
  napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &sc);
  napi_set_named_property(env, error, "syscall", sc);
  napi_create_int32(env, err, &sc);
  napi_set_named_property(env, error, "errno", sc);
  napi_throw(env, error);
  return NULL;
}

static napi_value throw_type(napi_env env, const char *what) {
  napi_throw_type_error(env, NULL, what);
  return NULL;
}

/*
 * A whole number in [lo, hi], or refused: NaN, a fraction, an out-of-range value are never coerced (Node's
 * own fs throws on them; napi_get_value_int32/uint32 would make NaN a 0, which for an id is root).
 */
static int get_whole(napi_env env, napi_value v, double lo, double hi, double *out) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_number) return 0;
  double d;
  if (napi_get_value_double(env, v, &d) != napi_ok) return 0;
  if (!(d >= lo && d <= hi) || d != (double)(int64_t)d) return 0;
  *out = d;
  return 1;
}

/* A descriptor (or a flag set): a whole number in [0, INT32_MAX]. */
static int get_int(napi_env env, napi_value v, int32_t *out) {
  double d;
  if (!get_whole(env, v, 0, 2147483647.0, &d)) return 0;
  *out = (int32_t)d;
  return 1;
}

/*
 * The flags an open may use: O_PATH, O_DIRECTORY, O_NONBLOCK (and O_RDONLY, 0); O_NOFOLLOW and O_CLOEXEC are
 * always added. Anything else (O_CREAT, O_TRUNC, O_WRONLY) is refused: these helpers only ever look.
 */
static int open_flags(int32_t flags, int *out) {
  if ((flags & ~(O_PATH | O_DIRECTORY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC)) != 0) return 0;
  *out = flags | O_NOFOLLOW | O_CLOEXEC;
  return 1;
}

/* A name argument: a JS string (UTF-8) or a Buffer (exact bytes). Must hold no NUL and no slash. */
static int get_name(napi_env env, napi_value v, char *buf, size_t cap) {
  napi_valuetype t;
  napi_typeof(env, v, &t);
  size_t len = 0;
  if (t == napi_string) {
    /* The whole length first: a string cut to fit the buffer would name something else. */
    if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok || len + 1 >= cap) return 0;
    if (napi_get_value_string_utf8(env, v, buf, cap, &len) != napi_ok) return 0;
  } else {
    bool is_buf = false;
    napi_is_buffer(env, v, &is_buf);
    if (!is_buf) return 0;
    void *data;
    napi_get_buffer_info(env, v, &data, &len);
    if (len + 1 >= cap) return 0;
    memcpy(buf, data, len);
    buf[len] = 0;
  }
  /* A name with an embedded NUL or a slash would name something else than the caller checked. */
  if (strlen(buf) != len) return 0;
  if (memchr(buf, '/', len) != NULL) return 0;
  /* "", "." and "..": the directory itself or its parent, never an entry the walk listed. */
  if (len == 0 || strcmp(buf, ".") == 0 || strcmp(buf, "..") == 0) return 0;
  return 1;
}

static double *get_f64(napi_env env, napi_value v, size_t need) {
  napi_typedarray_type type;
  size_t length;
  void *data;
  if (napi_get_typedarray_info(env, v, &type, &length, &data, NULL, NULL) != napi_ok) return NULL;
  if (type != napi_float64_array || length < need || length == 0) return NULL;
  return (double *)data;
}

static int32_t *get_i32(napi_env env, napi_value v, size_t need) {
  napi_typedarray_type type;
  size_t length;
  void *data;
  if (napi_get_typedarray_info(env, v, &type, &length, &data, NULL, NULL) != napi_ok) return NULL;
  if (type != napi_int32_array || length < need || length == 0) return NULL;
  return (int32_t *)data;
}

static void put_stat(double *n, const struct stat *st) {
  n[0] = (double)st->st_mode;
  n[1] = (double)st->st_uid;
  n[2] = (double)st->st_gid;
  n[3] = (double)st->st_dev;
  n[4] = (double)st->st_ino;
  n[5] = (double)st->st_nlink;
}

/* Strict UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF), as Node's buffer.isUtf8. */
static int is_utf8(const unsigned char *s, size_t n) {
  size_t i = 0;
  while (i < n) {
    unsigned char c = s[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    size_t k;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) k = 1, cp = c & 0x1F;
    else if (c >= 0xE0 && c <= 0xEF) k = 2, cp = c & 0x0F;
    else if (c >= 0xF0 && c <= 0xF4) k = 3, cp = c & 0x07;
    else return 0;
    for (size_t j = 1; j <= k; j++) {
      if (i + j >= n) return 0;
      unsigned char d = s[i + j];
      if ((d & 0xC0) != 0x80) return 0;
      cp = (cp << 6) | (d & 0x3F);
    }
    if ((k == 2 && cp < 0x800) || (k == 3 && (cp < 0x10000 || cp > 0x10FFFF))) return 0;
    if (cp >= 0xD800 && cp <= 0xDFFF) return 0;
    i += k + 1;
  }
  return 1;
}


/*
 * A second thread for the kernel's share of a batch. The calls of a batch are independent (each on its own
 * name or descriptor) and their results land at each item's own index, so the order seen by the caller does
 * not change. Used only where the machine has two CPUs or more for this process.
 *
 * The helper thread takes two kinds of work:
 * - A shared batch (run_split): the caller posts it and takes chunks of SHARE_CHUNK items from a counter the
 *   helper takes chunks from too, when it is free. The caller returns once every item is done: it waits only
 *   for the chunk the helper is in (or, for a helper that wakes just as the last chunk is taken, its pass
 *   that finds nothing left), and a helper busy with a change batch joins the batch between two of its items (but
 *   see help_between).
 *   One caller at a time (another thread of the process calling meanwhile does its whole batch itself).
 * - A change batch (changeStart), which it makes while the caller goes on; one at a time (another comes
 *   meanwhile: its caller makes it). A shared batch posted meanwhile is joined first, and one posted while the
 *   helper is making a change batch is joined between two of its items (help_posted): the walk's listings,
 *   which wait for their shared batch, come before changes nobody waits for yet; unless the caller's last
 *   changeWait found its batch still being made (help_between), the changes being then what it waits for.
 */
typedef void (*range_fn)(void *ctx, uint32_t lo, uint32_t hi);
static pthread_mutex_t split_mu = PTHREAD_MUTEX_INITIALIZER;
/* The helper waits on split_work for either kind of work; callers wait on split_done for the helper to be out
   of their shared batch, or done with their change batch. */
static pthread_cond_t split_work = PTHREAD_COND_INITIALIZER;
static pthread_cond_t split_done = PTHREAD_COND_INITIALIZER;
/* 0: not started; 1: running; -1: not available (one CPU, or the thread could not be made). */
static int split_state = 0;
#define SHARE_CHUNK 16
/* Smaller batches are made by their caller alone: two chunks at least, or the hand-over costs more. */
#define SPLIT_MIN (2 * SHARE_CHUNK)
static struct {
  range_fn fn;
  void *ctx;
  uint32_t count;
  /* The first item no thread has taken yet (atomic: both threads take chunks from it). */
  uint32_t next;
  /* Written under split_mu (atomic stores: help_posted() reads both without it, as a hint): bumped by each post,
     so that the helper joins each batch once. */
  unsigned gen;
  /* Written under split_mu, as gen: the batch is open to the helper (cleared by its caller once it finds nothing left). */
  int posted;
  /* Under split_mu: the helper is taking chunks of the batch; its caller returns only once this is 0. */
  int helping;
} share;
/* 1 while a caller owns `share` (atomic). */
static int share_owner = 0;
static struct {
  range_fn fn;
  void *ctx;
  uint32_t count;
  /* The batch's own flag, set when the helper is done with it (under split_mu). */
  int *done;
  int pending;
} change_slot;
/* 1 from a change batch's post until the helper has made it (atomic). */
static int change_busy = 0;
/*
 * Whether the helper joins shared batches between a change batch's items (help_posted; atomic): not when the last
 * changeWait found its batch still being made. The changes are then what the caller waits for (a fix with every
 * entry drifted, whose walk fills a batch faster than the helper changes one), and helping its listings would only
 * make each wait longer; where the caller finds its batches made (a few changes in a large walk), the walk is what
 * it waits for. A hint, read before each item (from the next item on, for the batch being waited for too), and
 * process-wide: the last changeWait of any thread decides, and a run in the same process after one whose last
 * wait found its batch unmade begins with joining off until its own first changeWait.
 */
static int help_between = 1;
/* The helper thread's own: the last shared batch (share.gen) it joined, and whether this thread is it. */
static unsigned helper_joined = 0;
static __thread int on_helper = 0;

/* Take chunks of the shared batch until none is left. */
static void take_chunks(range_fn fn, void *ctx, uint32_t count) {
  for (;;) {
    uint32_t lo = __atomic_fetch_add(&share.next, SHARE_CHUNK, __ATOMIC_RELAXED);
    if (lo >= count) return;
    fn(ctx, lo, count - lo > SHARE_CHUNK ? lo + SHARE_CHUNK : count);
  }
}

/* With split_mu held, on the helper thread: join the shared batch if one is posted that it has not joined yet
   (1), the mutex released while it takes chunks; else 0. */
static int join_posted(void) {
  if (!share.posted || share.gen == helper_joined) return 0;
  helper_joined = share.gen;
  share.helping = 1;
  range_fn fn = share.fn;
  void *ctx = share.ctx;
  uint32_t count = share.count;
  pthread_mutex_unlock(&split_mu);
  take_chunks(fn, ctx, count);
  pthread_mutex_lock(&split_mu);
  share.helping = 0;
  pthread_cond_broadcast(&split_done);
  return 1;
}

/*
 * Between two items of a change batch: on the helper thread, join a shared batch posted meanwhile. The unlocked
 * read is only a hint (a batch posted just after it is joined between the next two items, or after the last one by
 * split_main); the mutex decides.
 * Its caller waits for that batch, and nobody for the change batch yet (its changeWait comes later). The
 * interleaving is one the caller could already make: it runs its shared batches while the helper changes.
 */
static void help_posted(void) {
  if (!on_helper || !__atomic_load_n(&help_between, __ATOMIC_RELAXED) || !__atomic_load_n(&share.posted, __ATOMIC_RELAXED) ||
      __atomic_load_n(&share.gen, __ATOMIC_RELAXED) == helper_joined)
    return;
  pthread_mutex_lock(&split_mu);
  join_posted();
  pthread_mutex_unlock(&split_mu);
}

/*
 * A pin group posted ahead (pinOpen, pinPost, pinTake): the names of one directory's entries, posted one by one as
 * the walk finds them drifted, opened and fstat()ed by the helper thread while the walk goes on; pinTake waits for
 * the rest (taking what the helper has not begun) and hands the results over. One group at a time in the process
 * (another environment asking meanwhile is told no, and pins its group with pinBatch).
 * The group looks its names up in a duplicate of the caller's directory descriptor, made at pinOpen: whatever the
 * caller closes meanwhile, every name is looked up in the directory it opened the group in, never in what the
 * descriptor's number names later.
 * The arrays are grown only while no group is open (the helper reads them only while one is).
 */
static struct {
  /* Set and cleared under split_mu: the helper may take items. */
  int open;
  /* Under split_mu: the helper is taking items; pinTake returns only once this is 0. */
  int helping;
  int dirfd;
  int flags;
  /* The arrays' size, and the most names the open group takes (pinOpen's room). */
  uint32_t cap;
  uint32_t room;
  char **names;
  int32_t *fds;
  double *nums;
  int32_t *errs;
  /* Items posted (atomic: a release store once names[i] is written), and the first no thread has taken (atomic). */
  uint32_t count;
  uint32_t next;
} pins = {0, 0, -1, 0, 0, 0, NULL, NULL, NULL, NULL, 0, 0};
/* How many posted names, untaken, wake the helper thread (see pinPost). */
#define PIN_WAKE 16
/* 1 while an environment has a group open (atomic). */
static int pins_busy = 0;

/* One pin, pinBatch's and a posted group's: openat(dirfd, name, flags), then fstat() of what it opened. 0, with the
   descriptor in *fd and the numbers in nums; or the errno number, *fd -1 and nothing left open. */
static int pin_name(int dirfd, const char *name, int flags, int32_t *fd, double *nums) {
  struct stat st;
  int f = openat(dirfd, name, flags);
  if (f < 0) {
    *fd = -1;
    return errno;
  }
  if (sys_fstat(f, &st) != 0) {
    int err = errno;
    close(f);
    *fd = -1;
    return err;
  }
  *fd = f;
  put_stat(nums, &st);
  return 0;
}

static void pin_one(uint32_t i) {
  pins.errs[i] = pin_name(pins.dirfd, pins.names[i], pins.flags, &pins.fds[i], pins.nums + (size_t)i * NUMS);
}

/* Take posted items, one at a time, until none is left untaken (both threads: each item is taken once). */
static void pin_items(void) {
  for (;;) {
    uint32_t i = __atomic_load_n(&pins.next, __ATOMIC_RELAXED);
    if (i >= __atomic_load_n(&pins.count, __ATOMIC_ACQUIRE)) return;
    if (__atomic_compare_exchange_n(&pins.next, &i, i + 1, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) pin_one(i);
  }
}

/* With split_mu held, on the helper thread: take the open group's untaken items (1), the mutex released meanwhile; else 0. */
static int join_pins(void) {
  if (!pins.open || __atomic_load_n(&pins.next, __ATOMIC_RELAXED) >= __atomic_load_n(&pins.count, __ATOMIC_ACQUIRE)) return 0;
  pins.helping = 1;
  pthread_mutex_unlock(&split_mu);
  pin_items();
  pthread_mutex_lock(&split_mu);
  pins.helping = 0;
  pthread_cond_broadcast(&split_done);
  return 1;
}

static void *split_main(void *arg) {
  (void)arg;
  /* Named, for `top -H` and /proc/PID/task/TID/comm (the tests find it so). */
  prctl(PR_SET_NAME, "fsat-helper", 0, 0, 0);
  on_helper = 1;
  pthread_mutex_lock(&split_mu);
  for (;;) {
    if (join_posted()) continue;
    /* A pin group before a change batch: the walk takes it at its next directory, the batch only at its next flush. */
    if (join_pins()) continue;
    if (change_slot.pending) {
      range_fn fn = change_slot.fn;
      void *ctx = change_slot.ctx;
      uint32_t count = change_slot.count;
      pthread_mutex_unlock(&split_mu);
      fn(ctx, 0, count);
      pthread_mutex_lock(&split_mu);
      change_slot.pending = 0;
      /* The last the helper touches of a change batch: its caller frees it only once it sees this. */
      *change_slot.done = 1;
      change_slot.done = NULL;
      /* Given back as soon as the batch is made, not when its caller comes to wait for it. */
      __atomic_store_n(&change_busy, 0, __ATOMIC_RELEASE);
      pthread_cond_broadcast(&split_done);
      continue;
    }
    pthread_cond_wait(&split_work, &split_mu);
  }
  return NULL;
}

/* Start the helper thread once, whichever thread of the process asks first; 1 when it runs. */
static int split_start(void) {
  int s = __atomic_load_n(&split_state, __ATOMIC_ACQUIRE);
  if (s != 0) return s;
  pthread_mutex_lock(&split_mu);
  if (split_state == 0) {
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) != 0 || CPU_COUNT(&set) < 2 || getenv("MOMENTUM_PERMS_THREADS") != NULL) {
      s = -1;
    } else {
      pthread_attr_t attr;
      pthread_attr_init(&attr);
      pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
      pthread_attr_setstacksize(&attr, 256 * 1024);
      pthread_t t;
      s = pthread_create(&t, &attr, split_main, NULL) == 0 ? 1 : -1;
      pthread_attr_destroy(&attr);
    }
    __atomic_store_n(&split_state, s, __ATOMIC_RELEASE);
  }
  s = split_state;
  pthread_mutex_unlock(&split_mu);
  return s;
}

/*
 * Hand a change batch, fn over [0, count), to the helper thread: 1 when it is posted (the helper sets *done
 * when it is made), 0 when the helper is busy with another or not available (the caller makes it then).
 */
static int change_post(range_fn fn, void *ctx, uint32_t count, int *done) {
  int idle = 0;
  if (!__atomic_compare_exchange_n(&change_busy, &idle, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) return 0;
  if (split_start() != 1) {
    __atomic_store_n(&change_busy, 0, __ATOMIC_RELEASE);
    return 0;
  }
  pthread_mutex_lock(&split_mu);
  change_slot.fn = fn;
  change_slot.ctx = ctx;
  change_slot.count = count;
  change_slot.done = done;
  change_slot.pending = 1;
  pthread_cond_signal(&split_work);
  pthread_mutex_unlock(&split_mu);
  return 1;
}

/* fn over [0, count): shared with the helper thread when that pays, else all here (see above). */
static void run_split(range_fn fn, void *ctx, uint32_t count) {
  int idle = 0;
  if (count < SPLIT_MIN || !__atomic_compare_exchange_n(&share_owner, &idle, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
    fn(ctx, 0, count);
    return;
  }
  if (split_start() != 1) {
    __atomic_store_n(&share_owner, 0, __ATOMIC_RELEASE);
    fn(ctx, 0, count);
    return;
  }
  pthread_mutex_lock(&split_mu);
  share.fn = fn;
  share.ctx = ctx;
  share.count = count;
  __atomic_store_n(&share.next, 0, __ATOMIC_RELAXED);
  __atomic_store_n(&share.gen, share.gen + 1, __ATOMIC_RELAXED);
  __atomic_store_n(&share.posted, 1, __ATOMIC_RELAXED);
  pthread_cond_signal(&split_work);
  pthread_mutex_unlock(&split_mu);
  take_chunks(fn, ctx, count);
  /* Nothing is left to take: closed to the helper, and the chunk it may be in waited for. Its results are
     then visible here (written before it took split_mu to clear `helping`). */
  pthread_mutex_lock(&split_mu);
  __atomic_store_n(&share.posted, 0, __ATOMIC_RELAXED);
  while (share.helping) pthread_cond_wait(&split_done, &split_mu);
  pthread_mutex_unlock(&split_mu);
  __atomic_store_n(&share_owner, 0, __ATOMIC_RELEASE);
}

/* openat(dirfd, name, flags) → fd. The flags are the caller's (O_NOFOLLOW and the rest). */
static napi_value Openat(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3], out;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t dirfd, flags;
  int oflags;
  char name[4096];
  if (argc < 3 || !get_int(env, argv[0], &dirfd) || !get_int(env, argv[2], &flags) || !open_flags(flags, &oflags))
    return throw_type(env, "openat(dirfd, name, flags): flags other than O_PATH, O_DIRECTORY, O_NONBLOCK");
  if (!get_name(env, argv[1], name, sizeof name)) return throw_type(env, "openat: bad name");
  int fd = openat(dirfd, name, oflags);
  if (fd < 0) return throw_errno(env, errno, "openat");
  napi_create_int32(env, fd, &out);
  return out;
}

/* fstat(fd) into out[0..5]. */
static napi_value Fstat(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t fd;
  double *n;
  if (argc < 2 || !get_int(env, argv[0], &fd) || (n = get_f64(env, argv[1], NUMS)) == NULL) return throw_type(env, "fstat(fd, Float64Array)");
  struct stat st;
  if (sys_fstat(fd, &st) != 0) return throw_errno(env, errno, "fstat");
  put_stat(n, &st);
  return NULL;
}

/*
 * listBatch(dirfd, nums: Float64Array, errs: Int32Array) → names: (string | Buffer)[]
 *
 * One getdents64() on the open directory (its file offset carries the listing on between calls), then
 * sys_fstatat(dirfd, name, AT_SYMLINK_NOFOLLOW) for each name but "." and "..": the answers go to nums[i*6..]
 * (mode, uid, gid, dev, ino, nlink) and errs[i] (0, or the errno number). A name is a string when it is
 * UTF-8, else a Buffer of its exact bytes. An empty array: the end of the directory. A getdents64 error is
 * thrown.
 */
struct stat_job {
  int dirfd;
  const char **names;
  double *nums;
  int32_t *errs;
};

static void stat_range(void *ctx, uint32_t lo, uint32_t hi) {
  struct stat_job *j = ctx;
  struct stat st;
  for (uint32_t i = lo; i < hi; i++) {
    if (sys_fstatat(j->dirfd, j->names[i], &st, AT_SYMLINK_NOFOLLOW) == 0) {
      j->errs[i] = 0;
      put_stat(j->nums + (size_t)i * NUMS, &st);
    } else {
      j->errs[i] = errno;
    }
  }
}

static napi_value ListBatch(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3], names;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t dirfd;
  double *n;
  int32_t *errs;
  if (argc < 3 || !get_int(env, argv[0], &dirfd) || (n = get_f64(env, argv[1], MAX_BATCH * NUMS)) == NULL ||
      (errs = get_i32(env, argv[2], MAX_BATCH)) == NULL)
    return throw_type(env, "listBatch(dirfd, Float64Array(8196), Int32Array(1366))");
  static __thread char buf[DENTS_BYTES] __attribute__((aligned(8)));
  static __thread const char *found[MAX_BATCH];
  napi_create_array(env, &names);
  uint32_t count = 0;
  /* Loop only past buffers holding nothing but "." and "..": an empty answer means the end. */
  while (count == 0) {
    long got = syscall(SYS_getdents64, dirfd, buf, sizeof buf);
    if (got < 0) return throw_errno(env, errno, "getdents64");
    if (got == 0) return names;
    for (long off = 0; off < got;) {
      struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + off);
      off += d->d_reclen;
      /* Cannot happen (see the assertion at MAX_BATCH); never drop the rest of a buffer silently. */
      if (count == MAX_BATCH) return throw_errno(env, EOVERFLOW, "getdents64");
      const char *nm = d->d_name;
      if (nm[0] == '.' && (nm[1] == 0 || (nm[1] == '.' && nm[2] == 0))) continue;
      found[count++] = nm;
    }
  }
  struct stat_job job = {dirfd, found, n, errs};
  run_split(stat_range, &job, count);
  for (uint32_t i = 0; i < count; i++) {
    const char *nm = found[i];
    size_t len = strlen(nm);
    napi_value v;
    if (is_utf8((const unsigned char *)nm, len)) {
      napi_create_string_utf8(env, nm, len, &v);
    } else {
      void *data;
      napi_create_buffer_copy(env, len, nm, &data, &v);
    }
    napi_set_element(env, names, i, v);
  }
  return names;
}

struct pin_job {
  int dirfd;
  int flags;
  char **names;
  int32_t *fds;
  double *nums;
  int32_t *errs;
};

static void pin_range(void *ctx, uint32_t lo, uint32_t hi) {
  struct pin_job *j = ctx;
  for (uint32_t i = lo; i < hi; i++) j->errs[i] = pin_name(j->dirfd, j->names[i], j->flags, &j->fds[i], j->nums + (size_t)i * NUMS);
}

/*
 * pinBatch(dirfd, names: string[], flags, fds: Int32Array, nums: Float64Array, errs: Int32Array)
 *
 * openat(dirfd, names[i], flags) and fstat() of what it opened, for each name: fds[i] (or -1), nums[i*6..],
 * errs[i] (0, or the errno number; nothing is left open then). Every name is checked (no slash, no NUL)
 * before anything is opened. The opens are independent: two threads share them.
 */
static napi_value PinBatch(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  struct pin_job job;
  int32_t dirfd, flags;
  uint32_t count;
  bool is_array = false;
  int oflags;
  if (argc < 6 || !get_int(env, argv[0], &dirfd) || !get_int(env, argv[2], &flags) || !open_flags(flags, &oflags) ||
      napi_is_array(env, argv[1], &is_array) != napi_ok || !is_array || napi_get_array_length(env, argv[1], &count) != napi_ok)
    return throw_type(env, "pinBatch(dirfd, names, flags, fds, nums, errs)");
  if (count == 0) return NULL;
  if ((job.fds = get_i32(env, argv[3], count)) == NULL || (job.nums = get_f64(env, argv[4], (size_t)count * NUMS)) == NULL ||
      (job.errs = get_i32(env, argv[5], count)) == NULL)
    return throw_type(env, "pinBatch: arrays too short");
  job.dirfd = dirfd;
  job.flags = oflags;
  job.names = calloc(count, sizeof(char *));
  if (job.names == NULL) return throw_errno(env, ENOMEM, "pinBatch");
  napi_value result = NULL;
  for (uint32_t i = 0; i < count; i++) {
    napi_value v;
    char tmp[4096];
    napi_get_element(env, argv[1], i, &v);
    if (!get_name(env, v, tmp, sizeof tmp) || (job.names[i] = strdup(tmp)) == NULL) {
      throw_type(env, "pinBatch: bad name");
      goto out;
    }
  }
  run_split(pin_range, &job, count);
out:
  for (uint32_t i = 0; i < count; i++) free(job.names[i]);
  free(job.names);
  return result;
}

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif

/*
 * chmod of the inode the descriptor pins: fchmodat2(fd, "", mode, AT_EMPTY_PATH) where the kernel has it
 * (Linux 6.6), else chmod("/proc/self/fd/N"), which reaches the same inode. A link is never changed
 * (callers never ask; Linux has no mode on links). Returns 0 or the errno number.
 */
static int fchmod_pinned_fallback = 0;
static int fchmod_pinned(int fd, mode_t mode) {
  if (!__atomic_load_n(&fchmod_pinned_fallback, __ATOMIC_RELAXED)) {
    if (syscall(SYS_fchmodat2, fd, "", mode, AT_EMPTY_PATH) == 0) return 0;
    int err = errno;
    /* ENOSYS/EINVAL: a kernel before 6.6. EPERM may be a system-call filter that does not know the call
       (or a real refusal, which the chmod below then reports again). */
    if (err != ENOSYS && err != EINVAL && err != EPERM) return err;
    if (err != EPERM) __atomic_store_n(&fchmod_pinned_fallback, 1, __ATOMIC_RELAXED);
  }
  char p[64];
  snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
  return chmod(p, mode) == 0 ? 0 : errno;
}

/*
 * What changeStart asks of each item (spec[i*4 + 3]): chown, chmod, and with both, first a chmod to the bits the
 * entry keeps (the mode in what >> 3, never more than the target's): a directory going from root:root 0775 to
 * root:ecuser 0755 is never root:ecuser 0775, writable by ecuser, between the chown and the chmod (nor left so
 * by a kill there). The entry's sticky bit may stay in it though the target lacks it: dropped under the old group,
 * it would let that group delete and rename every entry of a directory (root:mail 1775 → root:ecuser 0770).
 */
#define DO_CHOWN 1
#define DO_CHMOD 2
#define DO_NARROW 4
#define NARROW_SHIFT 3

struct change_job {
  int32_t *fds;
  double *spec;
  double *out;
  int32_t *errs;
  /* The journal to make durable before the first change (-1: none), and its sync's errno. */
  int sync_fd;
  int sync_err;
  /* A journal just created (the batch is its first): fsync() it whole, then its directory, a duplicate of the
     caller's descriptor owned by the job (-1: none); then, once the changes are made, remove the old journals
     named in `prune` (regular files only, errors ignored). */
  int dir_fd;
  char **prune;
  uint32_t prune_count;
  /* The call that failed: "fdatasync" or "fsync". */
  const char *sync_call;
};

static void change_range(void *ctx, uint32_t lo, uint32_t hi) {
  struct change_job *j = ctx;
  for (uint32_t i = lo; i < hi; i++) {
    help_posted();
    int fd = j->fds[i];
    const double *sp = j->spec + (size_t)i * 4;
    int what = (int)sp[3];
    int err = 0;
    if (what & DO_NARROW) err = fchmod_pinned(fd, (mode_t)(what >> NARROW_SHIFT));
    if (err == 0 && (what & DO_CHOWN) && fchownat(fd, "", (uid_t)sp[0], (gid_t)sp[1], AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0) err = errno;
    if (err == 0 && (what & DO_CHMOD)) err = fchmod_pinned(fd, (mode_t)sp[2]);
    /* The read-back, after a failure too: a step made before the one that failed (the narrowing chmod, then
       a chown refused with EDQUOT) is then reported as what the entry is left with. All zeros when it
       cannot be read (a real st_mode always has its type bits). */
    struct stat st;
    if (sys_fstat(fd, &st) == 0) put_stat(j->out + (size_t)i * NUMS, &st);
    else if (err == 0) err = errno;
    j->errs[i] = err;
    close(fd);
  }
}

/* Remove each of `names` from the directory `dir_fd` where it is a regular file (never followed); errors ignored. */
static void remove_regular(int dir_fd, char *const *names, uint32_t count) {
  for (uint32_t i = 0; i < count; i++) {
    struct stat st;
    if (sys_fstatat(dir_fd, names[i], &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode)) unlinkat(dir_fd, names[i], 0);
  }
}

/* A journal just created, made durable with its name: fsync() of it, then of its directory; 0 or the errno. */
static int sync_new_journal(int fd, int dir_fd) {
  return fsync(fd) != 0 || fsync(dir_fd) != 0 ? errno : 0;
}

/*
 * A change batch as the helper thread makes it: first fdatasync() of the journal the batch's lines were
 * written to, then the changes. The journal line of every change is on disk before the change is made, as
 * when the caller synced it, without the caller waiting for the disk. If the sync fails nothing is changed:
 * every item gets its errno, every descriptor is closed, and changeWait throws it.
 */
static void change_run(void *ctx, uint32_t lo, uint32_t hi) {
  struct change_job *j = ctx;
  int err = 0;
  if (j->sync_fd >= 0) {
    /* A new journal: its inode and its name in the directory too, as its creation used to make them before
       it returned (on the walk's thread). */
    j->sync_call = j->dir_fd >= 0 ? "fsync" : "fdatasync";
    if (j->dir_fd >= 0) err = sync_new_journal(j->sync_fd, j->dir_fd);
    else if (fdatasync(j->sync_fd) != 0) err = errno;
  }
  if (err != 0) {
    j->sync_err = err;
    for (uint32_t i = lo; i < hi; i++) {
      j->errs[i] = err;
      close(j->fds[i]);
    }
    return;
  }
  change_range(ctx, lo, hi);
  /* The old journals, once the batch is made: off the walk's thread, and never before the new one is durable. */
  if (j->dir_fd >= 0) remove_regular(j->dir_fd, j->prune, j->prune_count);
}

/* Every item of a change batch: whole ids, mode and step in range, a descriptor that is not negative. */
static int spec_ok(const int32_t *fds, const double *spec, uint32_t count) {
  for (uint32_t i = 0; i < count; i++) {
    const double *sp = spec + (size_t)i * 4;
    /* Whole numbers in range only: NaN or a fraction is never coerced (to 0, which for an id is root). */
    /* The ranges first: NaN fails every comparison, and only a value in range is cast to an integer. */
    int ok = sp[0] >= 0 && sp[0] <= 4294967294.0 && sp[1] >= 0 && sp[1] <= 4294967294.0 && sp[2] >= 0 && sp[2] <= 07777 &&
             sp[3] >= 0 && sp[3] < (double)((07777 + 1) << NARROW_SHIFT);
    for (int k = 0; ok && k < 4; k++) ok = sp[k] == (double)(int64_t)sp[k];
    if (!ok || fds[i] < 0) return 0;
    /* The narrowing mode only with its flag, only before both a chown and a chmod, never a bit the target lacks
       but the sticky bit (kept until the last chmod: it takes a right away, see DO_NARROW). */
    int what = (int)sp[3], mode = (int)sp[2], narrow = what >> NARROW_SHIFT;
    if (what & DO_NARROW) {
      if ((what & (DO_CHOWN | DO_CHMOD)) != (DO_CHOWN | DO_CHMOD) || (narrow & ~(mode | S_ISVTX)) != 0) return 0;
    } else if (narrow != 0) {
      return 0;
    }
  }
  return 1;
}

/*
 * changeStart(fds: Int32Array, spec: Float64Array, count[, journalFd[, dirFd, prune: string[]]]) and
 * changeWait(out: Float64Array, errs: Int32Array)
 *
 * With journalFd, the batch first makes that journal durable (fdatasync, see change_run); if that fails nothing
 * is changed and changeWait throws its errno (syscall "fdatasync"). With dirFd too (a journal just created in
 * that directory, this its first batch): fsync of the journal, then of the directory (syscall "fsync" when either
 * fails); once the changes are made, the names in prune (old journals) are removed from it where they are
 * regular files, errors ignored (at most 4,096 names). The directory is duplicated: the caller may close its own
 * descriptor. When it cannot be (EMFILE), changeStart syncs both and removes the names itself before it returns
 * (a failed sync throws, syscall "fsync", and nothing is started).
 *
 * For each pinned descriptor fds[i], with spec[i*4..] = uid, gid, mode, what (1: chown, 2: chmod, 4 | narrow << 3:
 * first a chmod to `narrow`, see DO_NARROW): fchownat() with AT_EMPTY_PATH, then chmod of the same inode, then
 * fstat() (the read-back), then close the descriptor
 * whatever happened; the steps after one that failed are not taken. changeStart checks every item (nothing
 * is changed when one is out of range), copies the batch and hands it to the helper thread, which makes the
 * calls while the caller goes on; changeWait waits for it and writes the read-backs into out[i*6..] and the
 * errno numbers (0: none) into errs[i], and returns the count. The descriptors belong to the batch from
 * changeStart on: the caller neither uses nor closes them. One batch at a time for each Node environment (a
 * second changeStart before its changeWait throws); a worker thread's batch is its own. Without a helper
 * thread (one CPU, MOMENTUM_PERMS_THREADS set, or the helper busy) changeStart makes the calls itself before
 * it returns. The items are independent (each its own inode,
 * already journaled).
 */
struct async_change {
  struct change_job job;
  uint32_t count;
  /* 1 once every call of the batch is made (set by the helper thread under split_mu, or at once when made here). */
  int done;
};

/* Wait until the helper thread is done with this batch (it gives itself back then). */
static void async_wait(struct async_change *a) {
  pthread_mutex_lock(&split_mu);
  while (!a->done) pthread_cond_wait(&split_done, &split_mu);
  pthread_mutex_unlock(&split_mu);
}

/*
 * The batch in flight belongs to the module instance that started it: each Node environment (the main
 * thread, each worker thread) has its own, kept as the environment's instance data. A process-wide slot
 * would let one thread's changeWait free (and report) a batch another thread started while the helper
 * thread still ran it.
 */
struct instance {
  struct async_change *inflight;
  /* This environment has the pin group open (pinOpen, until pinTake). */
  int pin_open;
};

/* Close the open pin group: when this returns every posted item is done (those nobody took, here) and the helper
   thread is out of it, its results visible here (written before it took split_mu to clear `helping`). */
static void pin_finish(void) {
  pthread_mutex_lock(&split_mu);
  pins.open = 0;
  pthread_mutex_unlock(&split_mu);
  pin_items();
  pthread_mutex_lock(&split_mu);
  while (pins.helping) pthread_cond_wait(&split_done, &split_mu);
  pthread_mutex_unlock(&split_mu);
}

/* After pin_finish: the names freed, the directory's duplicate closed, the group given back. With close_fds,
   every descriptor it opened is closed too (nobody takes them). */
static void pin_release(int close_fds) {
  uint32_t n = pins.count;
  for (uint32_t i = 0; i < n; i++) {
    free(pins.names[i]);
    pins.names[i] = NULL;
    if (close_fds && pins.fds[i] >= 0) close(pins.fds[i]);
  }
  close(pins.dirfd);
  pins.dirfd = -1;
  __atomic_store_n(&pins.count, 0, __ATOMIC_RELAXED);
  __atomic_store_n(&pins.next, 0, __ATOMIC_RELAXED);
  __atomic_store_n(&pins_busy, 0, __ATOMIC_RELEASE);
}

static void async_free(struct async_change *a) {
  struct change_job *j = &a->job;
  if (j->dir_fd >= 0) close(j->dir_fd);
  for (uint32_t i = 0; j->prune != NULL && i < j->prune_count; i++) free(j->prune[i]);
  free(j->prune);
  free(j->fds), free(j->spec), free(j->out), free(j->errs), free(a);
}

/* The environment is going away (a worker terminated, the process exiting): its batch is waited for, never freed under the helper. */
static void instance_free(napi_env env, void *data, void *hint) {
  struct instance *in = data;
  /* A group never taken: its opens waited for, never left to the helper, and what they opened closed. */
  if (in->pin_open) {
    pin_finish();
    pin_release(1);
  }
  if (in->inflight != NULL) {
    async_wait(in->inflight);
    async_free(in->inflight);
  }
  free(in);
}

static int cmp_i32(const void *a, const void *b) {
  int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
  return (x > y) - (x < y);
}

/* Whether no descriptor appears twice (a sorted copy, neighbours compared). */
static int fds_distinct(const int32_t *fds, uint32_t count) {
  int32_t *c = malloc((size_t)count * sizeof(int32_t));
  if (c == NULL) return 0;
  memcpy(c, fds, (size_t)count * sizeof(int32_t));
  qsort(c, count, sizeof(int32_t), cmp_i32);
  int ok = 1;
  for (uint32_t i = 1; ok && i < count; i++) ok = c[i] != c[i - 1];
  free(c);
  return ok;
}

static struct instance *instance_of(napi_env env) {
  void *p = NULL;
  return napi_get_instance_data(env, &p) == napi_ok ? p : NULL;
}

static napi_value ChangeStart(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  uint32_t count;
  if (argc < 3 || napi_get_value_uint32(env, argv[2], &count) != napi_ok) return throw_type(env, "changeStart(fds, spec, count[, journalFd[, dirFd, prune]])");
  /* The journal to sync first: a descriptor, or -1 / left out for none. */
  int32_t sync_fd = -1;
  napi_valuetype vt = napi_undefined;
  if (argc >= 4) napi_typeof(env, argv[3], &vt);
  if (vt != napi_undefined && (!get_int(env, argv[3], &sync_fd) || sync_fd < -1)) return throw_type(env, "changeStart: journalFd out of range");
  /* A new journal's directory (-1 / left out: none), only with the journal itself; the old journals to remove. */
  int32_t dir_fd = -1;
  vt = napi_undefined;
  if (argc >= 5) napi_typeof(env, argv[4], &vt);
  if (vt != napi_undefined && (!get_int(env, argv[4], &dir_fd) || dir_fd < -1)) return throw_type(env, "changeStart: dirFd out of range");
  if (dir_fd >= 0 && sync_fd < 0) return throw_type(env, "changeStart: dirFd without journalFd");
  uint32_t prune_count = 0;
  bool is_array = false;
  vt = napi_undefined;
  if (argc >= 6) napi_typeof(env, argv[5], &vt);
  if (vt != napi_undefined) {
    if (napi_is_array(env, argv[5], &is_array) != napi_ok || !is_array || napi_get_array_length(env, argv[5], &prune_count) != napi_ok || prune_count > 4096)
      return throw_type(env, "changeStart: prune must be an array of names");
    if (prune_count > 0 && dir_fd < 0) return throw_type(env, "changeStart: prune without dirFd");
  }
  struct instance *in = instance_of(env);
  if (in == NULL) return throw_errno(env, ENOMEM, "changeStart");
  if (in->inflight != NULL) return throw_type(env, "changeStart: a batch is still running (changeWait first)");
  if (count == 0 || count > (1u << 20)) return throw_type(env, "changeStart: count out of range");
  int32_t *fds = get_i32(env, argv[0], count);
  double *spec = get_f64(env, argv[1], (size_t)count * 4);
  if (fds == NULL || spec == NULL) return throw_type(env, "changeStart: arrays too short");
  if (!spec_ok(fds, spec, count)) return throw_type(env, "changeStart: an id, a mode, a step or a descriptor out of range");
  /* Each descriptor once: the helper closes a descriptor after its calls, and a second item with the same
     number would then reach whatever the caller's thread has opened under that number meanwhile. */
  if (!fds_distinct(fds, count)) return throw_type(env, "changeStart: a descriptor given twice");
  struct async_change *a = calloc(1, sizeof *a);
  if (a == NULL) return throw_errno(env, ENOMEM, "changeStart");
  struct change_job *j = &a->job;
  j->dir_fd = -1;
  if (prune_count > 0 && (j->prune = calloc(prune_count, sizeof(char *))) == NULL) {
    async_free(a);
    return throw_errno(env, ENOMEM, "changeStart");
  }
  for (uint32_t i = 0; i < prune_count; i++) {
    napi_value v;
    char tmp[4096];
    /* Names of the directory's own entries (no slash, no NUL, not "." or ".."): nothing else is removed. */
    if (napi_get_element(env, argv[5], i, &v) != napi_ok || !get_name(env, v, tmp, sizeof tmp)) {
      async_free(a);
      return throw_type(env, "changeStart: a bad name to prune");
    }
    if ((j->prune[i] = strdup(tmp)) == NULL) {
      async_free(a);
      return throw_errno(env, ENOMEM, "changeStart");
    }
    j->prune_count = i + 1;
  }
  /* The job's own descriptor for the directory: whatever the caller closes meanwhile, the fsync and the removals
     reach the directory it named, never what its number names later. Without one (no descriptor left: EMFILE),
     all of it is done here first, as before the job took it: the journal and the directory synced (a failure
     changes nothing: thrown as "fsync"), then the old journals removed. */
  if (dir_fd >= 0 && (j->dir_fd = fcntl(dir_fd, F_DUPFD_CLOEXEC, 0)) < 0) {
    j->dir_fd = -1;
    int err = sync_new_journal(sync_fd, dir_fd);
    if (err != 0) {
      async_free(a);
      return throw_errno(env, err, "fsync");
    }
    remove_regular(dir_fd, j->prune, j->prune_count);
  }
  j->fds = malloc((size_t)count * sizeof(int32_t));
  j->spec = malloc((size_t)count * 4 * sizeof(double));
  j->out = calloc((size_t)count * NUMS, sizeof(double));
  j->errs = calloc(count, sizeof(int32_t));
  if (j->fds == NULL || j->spec == NULL || j->out == NULL || j->errs == NULL) {
    async_free(a);
    return throw_errno(env, ENOMEM, "changeStart");
  }
  memcpy(j->fds, fds, (size_t)count * sizeof(int32_t));
  memcpy(j->spec, spec, (size_t)count * 4 * sizeof(double));
  j->sync_fd = sync_fd;
  j->sync_err = 0;
  a->count = count;
  in->inflight = a;
  if (!change_post(change_run, j, count, &a->done)) {
    change_run(j, 0, count);
    a->done = 1;
  }
  return NULL;
}

static napi_value ChangeWait(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], ret;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  struct instance *in = instance_of(env);
  struct async_change *a = in == NULL ? NULL : in->inflight;
  if (a == NULL) return throw_type(env, "changeWait: no batch was started");
  uint32_t count = a->count;
  double *out = argc < 2 ? NULL : get_f64(env, argv[0], (size_t)count * NUMS);
  int32_t *errs = argc < 2 ? NULL : get_i32(env, argv[1], count);
  pthread_mutex_lock(&split_mu);
  int made = a->done;
  pthread_mutex_unlock(&split_mu);
  __atomic_store_n(&help_between, made, __ATOMIC_RELAXED);
  /* Waited for whatever the arguments: the batch is over when this returns, results given or not. */
  async_wait(a);
  struct change_job *j = &a->job;
  if (out != NULL && errs != NULL) {
    memcpy(out, j->out, (size_t)count * NUMS * sizeof(double));
    memcpy(errs, j->errs, (size_t)count * sizeof(int32_t));
  }
  int sync_err = j->sync_err;
  const char *sync_call = j->sync_call;
  in->inflight = NULL;
  async_free(a);
  /* The journal could not be made durable: nothing of the batch was changed. */
  if (sync_err != 0) return throw_errno(env, sync_err, sync_call);
  if (out == NULL || errs == NULL) return throw_type(env, "changeWait(out, errs): arrays too short (the batch is over, its results lost)");
  napi_create_uint32(env, count, &ret);
  return ret;
}

/*
 * pinOpen(dirFd, flags, room) → boolean, pinPost(name), pinTake(fds, nums, errs) → count
 *
 * pinBatch's opens, posted ahead: pinOpen opens a group in the directory dirFd names now (a duplicate of it: the
 * caller may close its own), pinPost adds a name (checked as pinBatch checks it: a TypeError, nothing added), and
 * the helper thread opens and fstat()s each name as it comes, while the caller goes on. pinTake ends the group:
 * it opens what the helper has not begun, waits for the rest and writes, for the i-th name posted, fds[i] (or -1),
 * nums[i*6..] and errs[i], as pinBatch does; from then on the descriptors are the caller's. pinOpen answers false
 * (nothing opened) when no group can be posted: no helper thread, another environment's group open, or no
 * descriptor left for the duplicate; the caller then pins with pinBatch. At most `room` names a group; one group
 * at a time for each environment (pinOpen with one open throws). pinTake with no group open returns 0; given
 * arrays too short it closes everything the group opened and throws.
 */
static napi_value PinOpen(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3], out;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t dirfd, flags, room;
  int oflags;
  if (argc < 3 || !get_int(env, argv[0], &dirfd) || !get_int(env, argv[1], &flags) || !open_flags(flags, &oflags) ||
      !get_int(env, argv[2], &room) || room == 0 || room > (1 << 20))
    return throw_type(env, "pinOpen(dirfd, flags, room)");
  struct instance *in = instance_of(env);
  if (in == NULL) return throw_errno(env, ENOMEM, "pinOpen");
  if (in->pin_open) return throw_type(env, "pinOpen: a group is open (pinTake first)");
  int idle = 0, ok = 0;
  if (__atomic_compare_exchange_n(&pins_busy, &idle, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
    ok = split_start() == 1;
    /* Grown only here, no group open: the helper reads the arrays only while one is. */
    if (ok && (uint32_t)room > pins.cap) {
      char **names = realloc(pins.names, (size_t)room * sizeof(char *));
      if (names != NULL) pins.names = names;
      int32_t *fds = realloc(pins.fds, (size_t)room * sizeof(int32_t));
      if (fds != NULL) pins.fds = fds;
      double *nums = realloc(pins.nums, (size_t)room * NUMS * sizeof(double));
      if (nums != NULL) pins.nums = nums;
      int32_t *errs = realloc(pins.errs, (size_t)room * sizeof(int32_t));
      if (errs != NULL) pins.errs = errs;
      ok = names != NULL && fds != NULL && nums != NULL && errs != NULL;
      if (ok) pins.cap = (uint32_t)room;
    }
    /* The group's own descriptor for the directory: a name posted later is looked up where the caller opened the
       group, even if it closed its descriptor meanwhile and the number now names another directory. */
    if (ok && (pins.dirfd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0)) < 0) ok = 0;
    if (!ok) {
      pins.dirfd = -1;
      __atomic_store_n(&pins_busy, 0, __ATOMIC_RELEASE);
    } else {
      pins.flags = oflags;
      pins.room = (uint32_t)room;
      pthread_mutex_lock(&split_mu);
      pins.open = 1;
      pthread_mutex_unlock(&split_mu);
      in->pin_open = 1;
    }
  }
  napi_get_boolean(env, ok, &out);
  return out;
}

static napi_value PinPost(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  struct instance *in = instance_of(env);
  if (in == NULL || !in->pin_open) return throw_type(env, "pinPost: no group open (pinOpen first)");
  char tmp[4096];
  if (argc < 1 || !get_name(env, argv[0], tmp, sizeof tmp)) return throw_type(env, "pinPost: bad name");
  /* Only this thread writes count while the group is open. */
  uint32_t i = pins.count;
  if (i >= pins.room) return throw_type(env, "pinPost: the group is full");
  if ((pins.names[i] = strdup(tmp)) == NULL) return throw_errno(env, ENOMEM, "pinPost");
  __atomic_store_n(&pins.count, i + 1, __ATOMIC_RELEASE);
  /* The helper is woken once PIN_WAKE names wait, not for each: a few drifted entries in a large directory come
     far apart, and a wake-up for each would cost the caller more than the open it hands over (it also takes
     them when it wakes for a shared batch; what nobody has taken, pinTake opens). Under the mutex: a helper about
     to wait has either seen the names or is waiting when it is signalled. */
  if (i + 1 - __atomic_load_n(&pins.next, __ATOMIC_RELAXED) >= PIN_WAKE) {
    pthread_mutex_lock(&split_mu);
    pthread_cond_signal(&split_work);
    pthread_mutex_unlock(&split_mu);
  }
  return NULL;
}

static napi_value PinTake(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3], ret;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  struct instance *in = instance_of(env);
  uint32_t n = 0;
  if (in != NULL && in->pin_open) {
    n = pins.count;
    int32_t *fds = NULL, *errs = NULL;
    double *nums = NULL;
    int ok = n == 0 || (argc >= 3 && (fds = get_i32(env, argv[0], n)) != NULL && (nums = get_f64(env, argv[1], (size_t)n * NUMS)) != NULL &&
                        (errs = get_i32(env, argv[2], n)) != NULL);
    pin_finish();
    if (ok && n > 0) {
      memcpy(fds, pins.fds, (size_t)n * sizeof(int32_t));
      memcpy(nums, pins.nums, (size_t)n * NUMS * sizeof(double));
      memcpy(errs, pins.errs, (size_t)n * sizeof(int32_t));
    }
    pin_release(!ok);
    in->pin_open = 0;
    if (!ok) return throw_type(env, "pinTake(fds, nums, errs): arrays too short (the group is over, what it opened closed)");
  }
  napi_create_uint32(env, n, &ret);
  return ret;
}

/*
 * Grow the descriptor table to hold n - 1: a duplicate of standard input, output or error made there, then
 * closed (Node keeps the three open, on /dev/null when it was started without them). Nothing new is opened:
 * for the grace period the growth waits for, no low descriptor names a file of its own. 0 or the errno.
 */
static int reserve(int n) {
  int hi = -1, err = EBADF;
  for (int fd = 0; fd <= 2 && hi < 0; fd++) {
    hi = fcntl(fd, F_DUPFD_CLOEXEC, n - 1);
    if (hi < 0) err = errno;
    if (hi < 0 && err != EBADF) break;
  }
  if (hi < 0) return err;
  close(hi);
  return 0;
}

static void *reserve_main(void *arg) {
  prctl(PR_SET_NAME, "fsat-reserve", 0, 0, 0);
  reserve((int)(intptr_t)arg);
  return NULL;
}

/*
 * reserveFds(n[, soon]): grow the process's descriptor table, once, to hold descriptors up to n - 1. The kernel
 * doubles the table as descriptors are opened, and in a process with threads (every Node process) each
 * doubling waits for an RCU grace period, 5 to 20 ms each on a virtual machine: a fix holding thousands of
 * pinned descriptors paid seven of them. Nothing is changed but the table's size; descriptors are still given
 * lowest first. Throws the errno (EINVAL: n beyond the limit).
 *
 * With soon, a short-lived thread of its own ("fsat-reserve") grows it and the call returns at once: the grace
 * period is waited for there, while the caller goes on with descriptors below the table's size (a thread that
 * needs one above it meanwhile waits for the growth, as it would have anyway). Errors are not reported then: a
 * later call without soon gives them, and finds the table grown when it was. Where the work stays on one
 * thread (MOMENTUM_PERMS_THREADS set), or no thread can be made, the table is grown before the call returns,
 * errors still unreported.
 */
static napi_value ReserveFds(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t n;
  if (argc < 1 || !get_int(env, argv[0], &n) || n < 1) return throw_type(env, "reserveFds(n[, soon])");
  bool soon = false;
  napi_valuetype vt = napi_undefined;
  if (argc >= 2) napi_typeof(env, argv[1], &vt);
  if (vt != napi_undefined && napi_get_value_bool(env, argv[1], &soon) != napi_ok) return throw_type(env, "reserveFds(n[, soon])");
  if (soon) {
    int made = 0;
    if (getenv("MOMENTUM_PERMS_THREADS") == NULL) {
      pthread_attr_t attr;
      pthread_attr_init(&attr);
      pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
      pthread_attr_setstacksize(&attr, 64 * 1024);
      pthread_t t;
      made = pthread_create(&t, &attr, reserve_main, (void *)(intptr_t)n) == 0;
      pthread_attr_destroy(&attr);
    }
    if (!made) reserve(n);
    return NULL;
  }
  int err = reserve(n);
  if (err != 0) return throw_errno(env, err, "reserveFds");
  return NULL;
}

/* The POSIX ACL xattr's layout (linux/posix_acl_xattr.h): a little-endian header, then 8-byte entries. */
#define ACL_XATTR_VERSION 0x0002
#define ACL_TAG_USER 0x02
#define ACL_TAG_GROUP 0x08
#define ACL_PERM_WRITE 0x02
/* A larger ACL than any file system stores (ext4: one block; XFS: 5461 entries). */
#define ACL_MAX_BYTES (4 + 8 * 8192)

/*
 * aclWrite(fd) → 1 when the inode's access ACL (system.posix_acl_access) has a named user or a named group other
 * than root (id 0) with write permission, else 0 (no ACL, or a file system without them). Its mask does not
 * count here: it is the mode's group bits, which the caller has, and which a chmod changes while the named
 * entries stay. Read through /proc/self/fd/N, which reaches the inode an O_PATH descriptor pins too (fgetxattr
 * refuses those); never asked of a symbolic link. Anything it cannot read or understand is thrown: the
 * caller then takes the entry as writable by another account.
 */
static napi_value AclWrite(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], out;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t fd;
  if (argc < 1 || !get_int(env, argv[0], &fd)) return throw_type(env, "aclWrite(fd)");
  char p[64];
  snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
  unsigned char *buf = malloc(ACL_MAX_BYTES);
  if (buf == NULL) return throw_errno(env, ENOMEM, "getxattr");
  ssize_t n = getxattr(p, "system.posix_acl_access", buf, ACL_MAX_BYTES);
  int found = 0;
  if (n < 0) {
    int err = errno;
    free(buf);
    if (err == ENODATA || err == EOPNOTSUPP) {
      napi_create_int32(env, 0, &out);
      return out;
    }
    return throw_errno(env, err, "getxattr");
  }
  if (n < 4 || (n - 4) % 8 != 0 || (buf[0] | buf[1] << 8 | buf[2] << 16 | (uint32_t)buf[3] << 24) != ACL_XATTR_VERSION) {
    free(buf);
    return throw_errno(env, EINVAL, "getxattr");
  }
  for (ssize_t off = 4; off < n; off += 8) {
    unsigned tag = buf[off] | buf[off + 1] << 8;
    unsigned perm = buf[off + 2] | buf[off + 3] << 8;
    uint32_t id = buf[off + 4] | buf[off + 5] << 8 | buf[off + 6] << 16 | (uint32_t)buf[off + 7] << 24;
    if ((tag == ACL_TAG_USER || tag == ACL_TAG_GROUP) && id != 0 && (perm & ACL_PERM_WRITE)) found = 1;
  }
  free(buf);
  napi_create_int32(env, found, &out);
  return out;
}

/* close(fd); errors other than EINTR are thrown. */
static napi_value Close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t fd;
  if (argc < 1 || !get_int(env, argv[0], &fd)) return throw_type(env, "close(fd)");
  if (close(fd) != 0 && errno != EINTR) return throw_errno(env, errno, "close");
  return NULL;
}

static napi_value Init(napi_env env, napi_value exports) {
  struct instance *in = calloc(1, sizeof *in);
  if (in == NULL || napi_set_instance_data(env, in, instance_free, NULL) != napi_ok) {
    free(in);
    napi_throw_error(env, NULL, "fsat: no memory for the module's state");
    return NULL;
  }
  napi_property_descriptor p[] = {
      {"openat", NULL, Openat, NULL, NULL, NULL, napi_enumerable, NULL},
      {"fstat", NULL, Fstat, NULL, NULL, NULL, napi_enumerable, NULL},
      {"listBatch", NULL, ListBatch, NULL, NULL, NULL, napi_enumerable, NULL},
      {"changeStart", NULL, ChangeStart, NULL, NULL, NULL, napi_enumerable, NULL},
      {"changeWait", NULL, ChangeWait, NULL, NULL, NULL, napi_enumerable, NULL},
      {"pinBatch", NULL, PinBatch, NULL, NULL, NULL, napi_enumerable, NULL},
      {"pinOpen", NULL, PinOpen, NULL, NULL, NULL, napi_enumerable, NULL},
      {"pinPost", NULL, PinPost, NULL, NULL, NULL, napi_enumerable, NULL},
      {"pinTake", NULL, PinTake, NULL, NULL, NULL, napi_enumerable, NULL},
      {"close", NULL, Close, NULL, NULL, NULL, napi_enumerable, NULL},
      {"reserveFds", NULL, ReserveFds, NULL, NULL, NULL, napi_enumerable, NULL},
      {"aclWrite", NULL, AclWrite, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof p / sizeof p[0], p);
  napi_value v;
  napi_create_int32(env, MAX_BATCH, &v);
  napi_set_named_property(env, exports, "MAX_BATCH", v);
  /* changeStart makes the journal durable first when given its descriptor: callers check this, so that a helper
     built before that (which would ignore the descriptor) never leaves a batch's lines unsynced. */
  napi_get_boolean(env, true, &v);
  napi_set_named_property(env, exports, "SYNCS_JOURNAL", v);
  /* And a new journal's directory with it (dirFd, prune): a helper built before ignores both, so callers check. */
  napi_set_named_property(env, exports, "SYNCS_NEW_JOURNAL", v);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
