package io.fusion4j.api.train;

/**
 * One named term of a training objective over a batch: its mean {@code value} over the {@code count} targets it
 * counted, and the {@code weight} it enters the total loss with ({@code λ} of a diffusion loss, a router's
 * auxiliary-loss coefficient).
 */
public record LossTerm(String name, double value, double weight, long count) {
    /** {@code weight · value}. */
    public double weighted() {
        return weight * value;
    }
}
