package io.fusion4j.api.autograd;

import io.fusion4j.api.tensor.Tensor;

/**
 * A value in a {@link Graph}: its tensor and, when it needs one, its gradient. Gradients of
 * activations are created on first use in the step arena; gradients of parameters are views of the
 * flat gradient buffer of {@link Parameters}.
 */
public final class Var {
    final Tensor value;
    final boolean requiresGrad;
    Tensor grad;
    /** True once {@link #grad} holds a value to add to (parameter gradients always do). */
    boolean hasGrad;
    /** True while {@link #grad} is borrowed from another value's gradient: copy before writing into it. */
    boolean sharedGrad;

    Var(Tensor value, boolean requiresGrad, Tensor grad, boolean hasGrad) {
        this.value = value;
        this.requiresGrad = requiresGrad;
        this.grad = grad;
        this.hasGrad = hasGrad;
    }

    public Tensor value() {
        return value;
    }

    /**
     * The gradient after {@link Graph#backward()}, or null when none flowed here. Read it, do not write it:
     * where an op passes its gradient through unchanged (add, reshape) the tensor is shared.
     */
    public Tensor grad() {
        return hasGrad ? grad : null;
    }

    public boolean requiresGrad() {
        return requiresGrad;
    }
}
