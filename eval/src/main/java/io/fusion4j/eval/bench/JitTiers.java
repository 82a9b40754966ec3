package io.fusion4j.eval.bench;

import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Says, when a benchmark's heap is suspect, which backend methods the JIT has so far compiled only with C1. C1 does not
 * turn Vector API calls into vector instructions, so such a method allocates for every vector it touches; a method
 * with C2 code that still allocates keeps a vector boxed inside that compile, which {@code --kernel-times} then names.
 * Reads HotSpot's code list ({@code jcmd PID Compiler.codelist}) in-process through the DiagnosticCommand MBean; on a
 * JVM without it, says nothing.
 */
final class JitTiers {
    private static final int C2 = 4;
    /** A line a person reads: C1-only kernels past this many are counted, not named. */
    private static final int SHOWN = 8;

    private JitTiers() {
    }

    /** One line for the user, or empty where the code list cannot be read. */
    static Optional<String> explain(String packagePrefix) {
        return codeList().map(list -> {
            List<String> c1 = c1Only(list, packagePrefix);
            if (c1.isEmpty()) {
                return "jit: every compiled kernel of " + packagePrefix + " has C2 code, so a C2 compile keeps vectors"
                        + " boxed; bench train --kernel-times names the kernel that allocates";
            }
            String shown = String.join(", ", c1.subList(0, Math.min(c1.size(), SHOWN)));
            return "jit: " + c1.size() + " kernels of " + packagePrefix + " with only C1 code so far (each vector they"
                    + " touch is allocated): " + shown + (c1.size() > SHOWN ? " and " + (c1.size() - SHOWN) + " more" : "");
        });
    }

    /**
     * Kernels under {@code packagePrefix} (methods taking a float array or a vector) whose live code (state 0) is all
     * C1 (tiers 1-3), by name and descriptor, sorted.
     * A code-list line reads {@code compile_id level state holder.method(descriptor) [addresses]}.
     */
    static List<String> c1Only(String codeList, String packagePrefix) {
        Map<String, Integer> best = new TreeMap<>();
        for (String line : codeList.split("\n")) {
            String[] f = line.strip().split(" ", 5);
            if (f.length < 4 || !f[3].startsWith(packagePrefix) || !f[2].equals("0") || !isKernel(f[3])) {
                continue;
            }
            int level;
            try {
                level = Integer.parseInt(f[1]);
            } catch (NumberFormatException e) {
                continue;
            }
            best.merge(f[3], level, Math::max);
        }
        List<String> c1 = new ArrayList<>();
        best.forEach((method, level) -> {
            if (level >= 1 && level < C2) { // level 0: a native method's wrapper, no Java code to compile
                c1.add(method + " (tier " + level + ")");
            }
        });
        return c1;
    }

    /**
     * Takes a float array or a vector: the methods whose vectors C1 would allocate. Trivial accessors stay at tier 1 by
     * design in every run and are left out this way.
     */
    private static boolean isKernel(String method) {
        int open = method.indexOf('(');
        int close = method.indexOf(')', open + 1);
        if (open < 0 || close < 0) {
            return false;
        }
        String params = method.substring(open + 1, close);
        return params.contains("[F") || params.contains("Vector;");
    }

    static Optional<String> codeList() {
        try {
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            Object text = server.invoke(new ObjectName("com.sun.management:type=DiagnosticCommand"), "compilerCodelist",
                    new Object[]{new String[0]}, new String[]{String[].class.getName()});
            return Optional.of(String.valueOf(text));
        } catch (Exception | LinkageError e) {
            return Optional.empty(); // not HotSpot, or management left out: nothing to say
        }
    }
}
