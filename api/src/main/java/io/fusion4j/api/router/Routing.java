package io.fusion4j.api.router;

import io.fusion4j.api.autograd.Var;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.tensor.DType;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.tensor.StepArena;
import io.fusion4j.api.tensor.Tensor;

/**
 * A router's decision for {@code tokens} input rows and {@code experts} experts, ready for dispatch by
 * {@link io.fusion4j.api.backend.Backend#gatherRows gatherRows} → {@link io.fusion4j.api.backend.Backend#groupedGemm
 * groupedGemm} → {@link io.fusion4j.api.backend.Backend#scatterAddRows scatterAddRows}:
 * <ul>
 *   <li>{@code rows}: I32 {@code [M]} input-row indices sorted by expert; expert {@code e} takes rows
 *       {@code offsets[e] .. offsets[e+1]} of it. A row may appear under several experts or under none; within one
 *       expert a row appears at most once.</li>
 *   <li>{@code offsets}: I32 {@code [E+1]} on the backend, from 0 to M; {@code counts} the same per expert on the host
 *       (FLOP accounting and statistics need no device read).</li>
 *   <li>{@code gates}: {@code [M]} weights of each (row, expert) assignment, differentiable back to the router's
 *       scores; null means weight 1 with nothing to learn (a hard modality partition).</li>
 *   <li>{@code dropped}: rows that wanted an expert but found it full (token choice with a capacity), else 0.</li>
 * </ul>
 */
public record Routing(long tokens, int experts, Tensor rows, Tensor offsets, int[] counts, Var gates, long dropped) {
    public Routing {
        if (counts == null || counts.length != experts) {
            throw new IllegalArgumentException("routing: counts must have one entry per expert (" + experts + ")");
        }
        long m = 0;
        for (int c : counts) {
            if (c < 0) {
                throw new IllegalArgumentException("routing: negative count " + c);
            }
            m += c;
        }
        if (rows.numel() != m || offsets.numel() != experts + 1) {
            throw new IllegalArgumentException("routing: rows must hold " + m + " indices and offsets " + (experts + 1)
                    + " entries; found " + rows.numel() + " and " + offsets.numel());
        }
        if (gates != null && gates.value().numel() != m) {
            throw new IllegalArgumentException("routing: gates must hold " + m + " weights, found " + gates.value().numel());
        }
    }

    /** Assignments M: the rows the experts process between them (what their FLOPs scale with). */
    public long assignments() {
        return rows.numel();
    }

    /** Host offsets {@code [E+1]} from {@link #counts}. */
    public int[] hostOffsets() {
        return offsetsOf(counts);
    }

    /** Offsets {@code [E+1]} of experts taking {@code counts[e]} rows each: {@code 0, c0, c0+c1, …}. */
    public static int[] offsetsOf(int[] counts) {
        int[] o = new int[counts.length + 1];
        for (int e = 0; e < counts.length; e++) {
            o[e + 1] = o[e] + counts[e];
        }
        return o;
    }

    /** {@link #offsetsOf} as the I32 {@code [E+1]} tensor a routing hands to dispatch, allocated in {@code arena}. */
    public static Tensor offsets(Backend backend, StepArena arena, int[] counts) {
        Tensor t = arena.allocate(DType.I32, Shape.of(counts.length + 1));
        backend.copyFromHost(offsetsOf(counts), t);
        return t;
    }
}
