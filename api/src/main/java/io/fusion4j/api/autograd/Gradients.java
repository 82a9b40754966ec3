package io.fusion4j.api.autograd;

import io.fusion4j.api.tensor.Tensor;

import java.util.function.Consumer;

/**
 * How an op's {@link Backward} hands gradients to its inputs. Three ways, by what the backward kernel does:
 * <ul>
 *   <li>{@link #accumulate}: the kernel overwrites the tensor it is given (most backward kernels). The first
 *       contribution to a value is written in place, later ones through a temporary and an add.</li>
 *   <li>{@link #target} then {@link #commit}: the same, for a kernel that writes several input gradients in one
 *       call (attention writes dq, dk and dv).</li>
 *   <li>{@link #accumulator}: the kernel adds into the tensor (parameter-gradient and scatter-add kernels).</li>
 * </ul>
 * {@link #pass} forwards a gradient unchanged (add, reshape) without copying it. Every method ignores an input
 * that needs no gradient (a constant, a detached value or a frozen parameter), so a backward need not check.
 */
public final class Gradients {
    private final Graph graph;

    Gradients(Graph graph) {
        this.graph = graph;
    }

    /** True when {@code v} takes a gradient: a backward may skip the kernels of inputs for which this is false. */
    public boolean wants(Var v) {
        return v.requiresGrad;
    }

    /** Adds a contribution to {@code v}'s gradient: {@code kernel} overwrites the tensor it is given with it. */
    public void accumulate(Var v, Consumer<Tensor> kernel) {
        graph.accumulate(v, kernel);
    }

    /**
     * A tensor of {@code v}'s shape for a kernel to overwrite with {@code v}'s contribution; hand it to
     * {@link #commit} afterwards. For an input that wants no gradient it is scratch (fused kernels write every output).
     */
    public Tensor target(Var v) {
        return graph.sink(v);
    }

    /** Adds what a kernel wrote into {@code written} (from {@link #target}) to {@code v}'s gradient. */
    public void commit(Var v, Tensor written) {
        graph.commit(v, written);
    }

    /**
     * {@code v}'s gradient as a tensor a kernel may add into (zero-filled when nothing reached it yet); for kernels
     * that accumulate, such as a weight gradient or a scatter-add. Only for inputs that {@link #wants want} one.
     */
    public Tensor accumulator(Var v) {
        if (!v.requiresGrad) {
            throw new IllegalStateException("accumulator() for a value that takes no gradient");
        }
        return graph.accumulatorOf(v);
    }

    /** Adds {@code g} unchanged to {@code v}'s gradient, without a copy when it is the first contribution. */
    public void pass(Var v, Tensor g) {
        graph.pass(v, g);
    }

    /** Scratch space in the step arena (contents unset), for intermediate results of a backward. */
    public Tensor scratch(io.fusion4j.api.tensor.Shape shape) {
        return graph.arena().allocate(io.fusion4j.api.tensor.DType.F32, shape);
    }
}
