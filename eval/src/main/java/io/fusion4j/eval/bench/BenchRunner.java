package io.fusion4j.eval.bench;

import java.lang.management.ManagementFactory;

/**
 * Times a kernel call: warm-up until the JIT has settled, then {@code rounds} rounds of enough calls
 * to last {@code secondsPerRound} each. The rate of a round is {@code workPerCall × calls / seconds}.
 */
public final class BenchRunner {
    private final int rounds;
    private final double secondsPerRound;
    private final double warmupSeconds;
    private final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    public BenchRunner(int rounds, double secondsPerRound, double warmupSeconds) {
        if (rounds < 1 || secondsPerRound <= 0 || warmupSeconds < 0) {
            throw new IllegalArgumentException("rounds must be >= 1 and durations positive, got rounds=" + rounds
                    + " secondsPerRound=" + secondsPerRound + " warmupSeconds=" + warmupSeconds);
        }
        this.rounds = rounds;
        this.secondsPerRound = secondsPerRound;
        this.warmupSeconds = warmupSeconds;
    }

    /** Measures {@code call}; {@code workPerCall} is FLOPs (reported as G{@code unit}) or bytes. */
    public Measurement measure(Runnable call, double workPerCall, String unit) {
        // Warm up until the JIT has settled: at least warmupSeconds, then until two consecutive
        // 0.1 s windows run at rates within 5% of each other (at most 20 s).
        long start = System.nanoTime();
        double previous = -1;
        double perCall;
        while (true) {
            long w0 = System.nanoTime();
            int calls = 0;
            do {
                call.run();
                calls++;
            } while (System.nanoTime() - w0 < 100_000_000L || calls < 2);
            perCall = (System.nanoTime() - w0) / 1e9 / calls;
            double elapsed = (System.nanoTime() - start) / 1e9;
            boolean settled = previous > 0 && Math.abs(perCall - previous) <= 0.05 * previous;
            if ((elapsed >= warmupSeconds && settled) || elapsed > 20) {
                break;
            }
            previous = perCall;
        }
        int reps = (int) Math.max(1, Math.min(1_000_000, secondsPerRound / Math.max(perCall, 1e-9)));
        double[] rates = new double[rounds];
        long tid = Thread.currentThread().threadId();
        long allocated = 0;
        for (int r = 0; r < rounds; r++) {
            long a0 = threads.getThreadAllocatedBytes(tid);
            long s = System.nanoTime();
            for (int i = 0; i < reps; i++) {
                call.run();
            }
            double secs = (System.nanoTime() - s) / 1e9;
            allocated += threads.getThreadAllocatedBytes(tid) - a0;
            rates[r] = workPerCall * reps / secs / 1e9;
        }
        return Measurement.of(rates, unit, (double) allocated / ((long) reps * rounds));
    }
}
