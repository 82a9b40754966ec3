package io.fusion4j.api;

/**
 * A run diverged: a loss, a gradient norm or a weight became NaN or infinite. It comes from the run's settings or
 * data (learning rate, initialisation), not from a bug, so the CLI reports it in one line like bad input; no
 * checkpoint of the diverged weights is written.
 */
public class NonFiniteException extends ArithmeticException {
    public NonFiniteException(String message) {
        super(message);
    }
}
