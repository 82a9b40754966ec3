package io.fusion4j.api.autograd;

import io.fusion4j.api.tensor.Tensor;

/**
 * The backward of an op recorded with {@link Graph#op}: given the gradient that reached the op's output,
 * send a contribution to each input that wants one through {@code grads}. Runs once, during
 * {@link Graph#backward()}, in reverse recording order.
 */
@FunctionalInterface
public interface Backward {
    /**
     * @param dOut  the gradient of the loss with respect to the op's output (zeros if nothing reached it); read it,
     *              do not write it: it may be shared with another value
     * @param grads where the input gradients go
     */
    void run(Tensor dOut, Gradients grads);
}
