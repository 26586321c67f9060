"""verbose=2: progress within an epoch, as a tqdm bar on a terminal where
tqdm is installed, else a plain line at each tenth of the epoch."""
import sys
import time


class EpochProgress:
    def __init__(self, epoch, n_samples, stream=None):
        self.stream = stream or sys.stdout
        self.epoch, self.n, self.done = epoch, n_samples, 0
        self.start = time.perf_counter()
        self.next_line = n_samples / 10
        self.bar = None
        if getattr(self.stream, "isatty", lambda: False)():
            try:
                from tqdm import tqdm
            except ImportError:
                pass
            else:
                self.bar = tqdm(total=n_samples, desc="epoch %d" % epoch, unit="sample",
                                leave=False, file=self.stream)

    def __call__(self, rows_done):
        if self.bar is not None:
            self.bar.update(rows_done - self.done)
        elif rows_done >= self.next_line or rows_done == self.n:
            seconds = max(time.perf_counter() - self.start, 1e-9)
            rate = rows_done / seconds
            print("epoch %d: %3d%% (%d/%d samples, %.0f samples/s, ETA %.1f s)"
                  % (self.epoch, 100 * rows_done // self.n, rows_done, self.n, rate,
                     (self.n - rows_done) / rate), file=self.stream)
            while self.next_line <= rows_done:
                self.next_line += self.n / 10
        self.done = rows_done

    def close(self):
        if self.bar is not None:
            self.bar.close()
