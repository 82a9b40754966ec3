package io.fusion4j.eval.bench;

import java.lang.management.ManagementFactory;

/**
 * Java heap allocated by every thread of the JVM, for benchmarks whose work runs on a worker pool as well as on the
 * calling thread. HotSpot counts it per thread and keeps what finished threads allocated; where the JVM does not
 * offer the count the figure is unknown (-1) and said so.
 */
final class AllThreadsHeap {
    private AllThreadsHeap() {
    }

    /** Bytes allocated by all threads since the JVM started, or -1 when this JVM does not count them. */
    static long total() {
        if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean t
                && t.isThreadAllocatedMemorySupported() && t.isThreadAllocatedMemoryEnabled()) {
            return t.getTotalThreadAllocatedBytes();
        }
        return -1;
    }

    /** {@code "N KB/step"} for the bytes between two {@link #total()} readings over {@code steps}, or "unknown". */
    static String perStep(long before, long after, int steps) {
        if (before < 0 || after < before || steps <= 0) {
            return "unknown";
        }
        return String.format("%.0f KB/step", (after - before) / 1024.0 / steps);
    }
}
