package io.fusion4j.api.backend;

/**
 * Hyper-parameters of one AdamW update. {@code step} is 1-based and drives bias correction.
 * {@code gradScale} multiplies the gradient before use (1, or the global-norm clipping factor).
 */
public record AdamWStep(float lr, float beta1, float beta2, float eps, float weightDecay, long step, float gradScale) {
    public AdamWStep {
        if (step < 1) {
            throw new IllegalArgumentException("AdamW step must be >= 1 (bias correction), got " + step);
        }
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("AdamW betas must lie in [0, 1), got beta1=" + beta1 + " beta2=" + beta2);
        }
        if (!(eps > 0)) {
            throw new IllegalArgumentException("AdamW eps must be > 0, got " + eps);
        }
    }

    /** {@code 1 - beta1^step}, the first-moment bias correction, computed in double and rounded once. */
    public float biasCorrection1() {
        return (float) (1.0 - Math.pow(beta1, step));
    }

    /** {@code 1 - beta2^step}, the second-moment bias correction, computed in double and rounded once. */
    public float biasCorrection2() {
        return (float) (1.0 - Math.pow(beta2, step));
    }
}
