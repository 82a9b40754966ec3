package io.fusion4j.tensor.cpu;

/**
 * The CPU backend's worker pool as a plugin sees it: {@code threads() - 1} persistent workers plus the calling
 * thread. {@link #run} hands out chunk indices and returns when all are done; it allocates nothing. A
 * {@link HostMatmul} gets the pool of the backend it serves, so its products and the other kernels never compete
 * for the cores with a second pool.
 */
public interface CpuWorkers {
    /** One unit of parallel work; {@code worker} in {@code [0, threads())} selects per-thread scratch. */
    interface Chunk {
        void run(int chunk, int worker);
    }

    /** Threads that run chunks, the caller included. */
    int threads();

    /** Runs {@code job} for chunks {@code 0 .. chunks-1} on all threads and waits for them. Not re-entrant. */
    void run(int chunks, Chunk job);
}
