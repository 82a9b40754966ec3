package io.fusion4j.tensor.cpu;

import io.fusion4j.api.backend.PeakFlops;
import jdk.incubator.vector.FloatVector;

/**
 * The fp32 peak this backend can reach, measured: every pool thread runs independent vector FMA chains (enough of
 * them to cover the FMA units' latency), and the rate is the FLOPs of all chains over the wall time of the whole
 * pool run, best of several. It is the Vector API's reach on this CPU, which is what the kernels can use; a
 * datasheet figure for the same core can be higher.
 */
final class FmaPeak {
    /** Independent accumulators per thread: latency 4 × 3 FMA ports covered on current x86 and ARM cores. */
    static final int CHAINS = 12;
    private static final int ITERATIONS = 1 << 19;
    private static final float A = 0.9999999f;
    private static final float B = 1e-7f;

    private FmaPeak() {
    }

    static PeakFlops measure(WorkerPool pool) {
        int chunks = pool.threads() * 8;
        double[] sink = new double[chunks];
        // Warm-up: short runs until the loop is compiled and the rate stops rising (the Vector API is slow until then).
        long deadline = System.nanoTime() + 3_000_000_000L;
        double warm = 0;
        for (int stable = 0; stable < 3 && System.nanoTime() < deadline; ) {
            double r = rate(pool, chunks, 1 << 12, sink);
            stable = r < warm * 1.05 ? stable + 1 : 0;
            warm = Math.max(warm, r);
        }
        double best = 0;
        for (int rep = 0; rep < 5; rep++) {
            best = Math.max(best, rate(pool, chunks, ITERATIONS, sink));
        }
        double check = 0;
        for (double s : sink) {
            check += s;
        }
        if (!(check > 0)) {
            throw new IllegalStateException("the FMA loop produced " + check); // keeps the work observable
        }
        return new PeakFlops(best, "measured: fp32 FMA loop, " + pool.threads() + (pool.threads() == 1 ? " thread, "
                : " threads, ") + MicroKernels.L * 32 + "-bit vectors");
    }

    /** GFLOP/s of one pool run of {@code chunks} chunks of {@code n} iterations. */
    private static double rate(WorkerPool pool, int chunks, int n, double[] sink) {
        long t0 = System.nanoTime();
        pool.run(chunks, (chunk, worker) -> sink[chunk] = chains(n));
        double seconds = (System.nanoTime() - t0) / 1e9;
        return (double) chunks * n * CHAINS * MicroKernels.L * 2 / seconds / 1e9;
    }

    /**
     * {@link #CHAINS} vector accumulators, each {@code acc = acc·A + B} {@code n} times from 0 (rising towards 1);
     * their lane sum.
     */
    static double chains(int n) {
        FloatVector a = FloatVector.broadcast(MicroKernels.S, A);
        FloatVector b = FloatVector.broadcast(MicroKernels.S, B);
        FloatVector c0 = FloatVector.zero(MicroKernels.S);
        FloatVector c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
        for (int i = 0; i < n; i++) {
            c0 = c0.fma(a, b);
            c1 = c1.fma(a, b);
            c2 = c2.fma(a, b);
            c3 = c3.fma(a, b);
            c4 = c4.fma(a, b);
            c5 = c5.fma(a, b);
            c6 = c6.fma(a, b);
            c7 = c7.fma(a, b);
            c8 = c8.fma(a, b);
            c9 = c9.fma(a, b);
            c10 = c10.fma(a, b);
            c11 = c11.fma(a, b);
        }
        FloatVector sum = c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).add(c8).add(c9).add(c10)
                .add(c11);
        return sum.reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
    }
}
