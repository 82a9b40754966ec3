package io.fusion4j.transfusion;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.Parameters;
import io.fusion4j.api.autograd.Var;
import io.fusion4j.api.nn.Linear;
import io.fusion4j.api.nn.NamedComponent;
import io.fusion4j.api.tensor.DType;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.tensor.Tensor;

/**
 * How the diffusion timestep reaches the transformer (Transfusion's linear variant, transfusion.md §3.4, §8.6): the
 * sinusoidal features of t, {@code [cos(t·ω_k), sin(t·ω_k)]} with {@code ω_k = 10000^(−k/(F/2))}, through a two-layer
 * MLP {@code W2·SiLU(W1·f)} ({@code time.w1 [dim, F]}, {@code time.w2 [dim, dim]}), added to every patch of the image.
 */
public final class TimestepEmbedding extends NamedComponent {
    private final int features;
    private final Linear w1;
    private final Linear w2;

    public TimestepEmbedding(Parameters params, String prefix, int features, int dim, float std) {
        super(prefix);
        this.features = features;
        this.w1 = new Linear(params, prefix + ".w1", features, dim, std);
        this.w2 = new Linear(params, prefix + ".w2", dim, dim, std);
    }

    /** The sinusoidal features of each timestep, {@code [n, F]} row-major (host math: n is the number of images). */
    public static float[] features(int[] t, int features) {
        int half = features / 2;
        float[] out = new float[t.length * features];
        for (int i = 0; i < t.length; i++) {
            for (int k = 0; k < half; k++) {
                double w = Math.exp(-Math.log(10000) * k / half);
                out[i * features + k] = (float) Math.cos(t[i] * w);
                out[i * features + half + k] = (float) Math.sin(t[i] * w);
            }
        }
        return out;
    }

    /** {@code [n, dim]}: one embedding per timestep. */
    public Var forward(Graph g, int[] timesteps) {
        Tensor f = g.arena().allocate(DType.F32, Shape.of(timesteps.length, features));
        g.backend().copyFromHost(features(timesteps, features), f);
        Var h = w1.forward(g, g.constant(f));
        return w2.forward(g, g.mul(h, g.sigmoid(h)));
    }
}
