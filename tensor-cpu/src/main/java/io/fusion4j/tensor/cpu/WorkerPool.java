package io.fusion4j.tensor.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.locks.LockSupport;

/**
 * A persistent pool: {@code threads - 1} daemon workers plus the calling thread. {@link #run} hands
 * out chunk indices dynamically and returns when every worker has finished the job, so no worker can
 * still be inside a job when the next one starts. Allocates nothing per call. Results never depend on
 * which thread ran a chunk: chunks write disjoint outputs.
 */
final class WorkerPool implements CpuWorkers, AutoCloseable {
    private static final int SPINS = 1 << 14;

    private final int threads;
    private final Thread[] workers;
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicInteger busy = new AtomicInteger();
    private volatile CpuWorkers.Chunk body;
    private volatile int chunks;
    private volatile int generation;
    private volatile boolean closed;
    private volatile Throwable failure;
    /** Per worker: set while it is (about to be) parked, so {@link #run} unparks only sleepers. */
    private final AtomicIntegerArray sleeping;

    WorkerPool(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("thread count must be >= 1, got " + threads);
        }
        this.threads = threads;
        this.workers = new Thread[threads - 1];
        this.sleeping = new AtomicIntegerArray(threads);
        for (int w = 0; w < workers.length; w++) {
            final int id = w + 1;
            Thread t = new Thread(() -> loop(id), "fusion4j-cpu-" + id);
            t.setDaemon(true);
            workers[w] = t;
            t.start();
        }
    }

    @Override
    public int threads() {
        return threads;
    }

    /** Runs {@code body} for chunks {@code 0 .. chunks-1} on all threads and waits for them. */
    @Override
    public void run(int chunkCount, CpuWorkers.Chunk job) {
        if (chunkCount <= 0) {
            return;
        }
        if (threads == 1 || chunkCount == 1) {
            for (int c = 0; c < chunkCount; c++) {
                job.run(c, 0);
            }
            return;
        }
        this.body = job;
        this.chunks = chunkCount;
        next.set(0);
        busy.set(workers.length);
        generation++; // publishes body and chunks
        // unpark is a syscall; a spinning worker sees the new generation by itself. A worker sets its flag
        // before re-checking the generation and parking, so either it sees this job or we see the flag.
        for (int w = 0; w < workers.length; w++) {
            if (sleeping.get(w + 1) != 0) {
                LockSupport.unpark(workers[w]);
            }
        }
        try {
            work(job, chunkCount, 0);
        } finally {
            while (busy.get() != 0) {
                Thread.onSpinWait();
            }
            this.body = null;
        }
        Throwable f = failure;
        if (f != null) {
            failure = null;
            if (f instanceof RuntimeException re) {
                throw re;
            }
            if (f instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException("worker failed", f);
        }
    }

    private void work(CpuWorkers.Chunk job, int n, int worker) {
        int c;
        while ((c = next.getAndIncrement()) < n) {
            job.run(c, worker);
        }
    }

    private void loop(int id) {
        int seen = 0;
        while (!closed) {
            int spins = 0;
            while (generation == seen && !closed) {
                if (spins < SPINS) {
                    spins++;
                    Thread.onSpinWait();
                } else {
                    sleeping.set(id, 1);
                    if (generation == seen && !closed) {
                        LockSupport.parkNanos(this, 1_000_000L);
                    }
                    sleeping.set(id, 0);
                }
            }
            if (closed) {
                return;
            }
            seen = generation;
            try {
                work(body, chunks, id);
            } catch (Throwable t) {
                failure = t;
                next.set(Integer.MAX_VALUE / 2); // stop handing out chunks
            } finally {
                busy.decrementAndGet();
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread t : workers) {
            LockSupport.unpark(t);
        }
    }
}
