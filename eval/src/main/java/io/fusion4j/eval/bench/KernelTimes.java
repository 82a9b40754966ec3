package io.fusion4j.eval.bench;

import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.backend.KernelFlops;

import java.lang.management.ManagementFactory;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * {@code bench train --kernel-times}: wall time per Backend kernel while timing is on, so a user sees where a step's
 * time goes without a profiler. A dynamic proxy around the backend; it allocates per call (the heap figure of a run
 * with it is not representative) and, for an asynchronous backend, times only the launch.
 *
 * <p>It also counts the calling thread's heap allocated inside each kernel (the same per-thread counter as the step's
 * heap figure), measured around the call itself so the proxy's own boxing is left out: a kernel whose vectors the JIT
 * left boxed shows up by name.
 */
final class KernelTimes implements InvocationHandler {
    private final Backend target;
    /** Per kernel: nanoseconds, calls, bytes allocated by the calling thread. */
    private final Map<String, long[]> times = new LinkedHashMap<>();
    private final com.sun.management.ThreadMXBean threads =
            ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean t ? t : null;
    /** A kernel allocating more than this a step is listed even when its time is too small to show. */
    static final int HEAP_NOTE_BYTES = 16 * 1024;
    private boolean on;
    private long started;
    private long wall;

    private KernelTimes(Backend target) {
        this.target = target;
    }

    static KernelTimes around(Backend b) {
        return new KernelTimes(b);
    }

    Backend backend() {
        return (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[]{Backend.class}, this);
    }

    void start() {
        if (!on) {
            on = true;
            started = System.nanoTime();
        }
    }

    void stop() {
        if (on) {
            wall += System.nanoTime() - started;
            on = false;
        }
    }

    @Override
    public Object invoke(Object proxy, Method m, Object[] args) throws Throwable {
        // The proxy also sees Object's toString, hashCode and equals: not kernels either.
        boolean timed = on && m.getDeclaringClass() != Object.class && !KernelFlops.NOT_KERNELS.contains(m.getName());
        long[] a = timed ? times.computeIfAbsent(m.getName(), k -> new long[3]) : null;
        long h0 = timed && threads != null ? threads.getCurrentThreadAllocatedBytes() : 0;
        long t0 = timed ? System.nanoTime() : 0;
        try {
            return m.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        } finally {
            if (timed) {
                a[0] += System.nanoTime() - t0;
                a[1]++;
                if (threads != null) {
                    a[2] += threads.getCurrentThreadAllocatedBytes() - h0;
                }
            }
        }
    }

    /**
     * Kernels by time, with their share of the timed wall time and the rest (Java outside kernels), and their heap a
     * step; then any kernel under the time cut that still allocates over {@value #HEAP_NOTE_BYTES} bytes a step.
     */
    void print(Consumer<String> out, int steps) {
        long kernels = 0;
        long heap = 0;
        for (long[] a : times.values()) {
            kernels += a[0];
            heap += a[2];
        }
        out.accept(String.format("kernel times over %d steps (%.1f ms a step; kernels %.1f%%, outside kernels %.1f%%;"
                        + " heap in kernels %.1f KB a step):", steps, wall / 1e6 / steps, 100.0 * kernels / wall,
                100.0 * (wall - kernels) / wall, heap / 1024.0 / steps));
        List<Map.Entry<String, long[]>> sorted = times.entrySet().stream()
                .sorted(Comparator.comparingLong((Map.Entry<String, long[]> e) -> e.getValue()[0]).reversed()).toList();
        for (Map.Entry<String, long[]> e : sorted) {
            long[] a = e.getValue();
            if (a[0] * 200 < wall && a[2] < HEAP_NOTE_BYTES * (long) steps) {
                continue; // under 0.5% and allocation-free enough to say nothing
            }
            out.accept(String.format("  %-24s %7.2f ms/step  %5.1f%%  %6.1f calls/step  heap %8.1f KB/step", e.getKey(),
                    a[0] / 1e6 / steps, 100.0 * a[0] / wall, (double) a[1] / steps, a[2] / 1024.0 / steps));
        }
    }
}
