package io.fusion4j.eval.bench;

import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.backend.KernelFlops;

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
 */
final class KernelTimes implements InvocationHandler {
    private final Backend target;
    private final Map<String, long[]> times = new LinkedHashMap<>();
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
        long t0 = timed ? System.nanoTime() : 0;
        try {
            return m.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        } finally {
            if (timed) {
                long[] a = times.computeIfAbsent(m.getName(), k -> new long[2]);
                a[0] += System.nanoTime() - t0;
                a[1]++;
            }
        }
    }

    /** Kernels by time, with their share of the timed wall time and the rest (Java outside kernels). */
    void print(Consumer<String> out, int steps) {
        long kernels = 0;
        for (long[] a : times.values()) {
            kernels += a[0];
        }
        out.accept(String.format("kernel times over %d steps (%.1f ms a step; kernels %.1f%%, outside kernels %.1f%%):",
                steps, wall / 1e6 / steps, 100.0 * kernels / wall, 100.0 * (wall - kernels) / wall));
        List<Map.Entry<String, long[]>> sorted = times.entrySet().stream()
                .sorted(Comparator.comparingLong((Map.Entry<String, long[]> e) -> e.getValue()[0]).reversed()).toList();
        for (Map.Entry<String, long[]> e : sorted) {
            long[] a = e.getValue();
            if (a[0] * 200 < wall) {
                continue; // under 0.5%
            }
            out.accept(String.format("  %-24s %7.2f ms/step  %5.1f%%  %6.1f calls/step", e.getKey(), a[0] / 1e6 / steps,
                    100.0 * a[0] / wall, (double) a[1] / steps));
        }
    }
}
