package io.fusion4j.transfusion.diffusion;

/**
 * One denoising update from timestep {@code t} (noise level {@code ᾱ_t}) to {@code next} ({@code ᾱ'}). Unclipped it is
 * affine in the current sample and the model's noise prediction, {@code x ← a·x + b·ε̂ + σ·z}; with a clip (data known
 * to lie in {@code [−c, c]}, as pixels do) the clean estimate {@code x̂₀} is clamped first and the update is made from
 * it, as improved DDPM does ({@code clip_denoised}): early steps, where {@code 1/√ᾱ_t} is in the thousands, otherwise
 * amplify the prediction's error into outliers the later steps cannot remove.
 */
public record SamplerStep(Sampler kind, int t, int next, double alphaBar, double alphaBarNext, double a, double b,
                          double sigma) {
    /**
     * The next value of one element: {@code x} now, {@code eps} the predicted noise, {@code z} a standard normal draw
     * (used when σ > 0), {@code clip} the bound of {@code |x̂₀|} (infinite: none).
     */
    public double update(double x, double eps, double z, double clip) {
        if (Double.isInfinite(clip)) {
            return a * x + b * eps + sigma * z;
        }
        double x0 = Math.clamp((x - Math.sqrt(1 - alphaBar) * eps) / Math.sqrt(alphaBar), -clip, clip);
        return switch (kind) {
            case DDIM -> {
                double e = (x - Math.sqrt(alphaBar) * x0) / Math.sqrt(1 - alphaBar);
                yield Math.sqrt(alphaBarNext) * x0 + Math.sqrt(1 - alphaBarNext) * e;
            }
            case DDPM -> {
                DiffusionSchedule.Posterior p = DiffusionSchedule.posterior(alphaBar, alphaBarNext);
                yield p.x0() * x0 + p.xt() * x + sigma * z;
            }
        };
    }
}
