package io.fusion4j.transfusion;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.Parameters;
import io.fusion4j.api.autograd.Var;
import io.fusion4j.api.nn.Linear;
import io.fusion4j.api.nn.NamedComponent;
import io.fusion4j.api.nn.RmsNorm;

/**
 * Transfusion's linear patch encoder and decoder (§1.2): one linear layer from a patch's {@code width} floats to the
 * model width ({@code patch_in [dim, width]}), and, after the trunk, a norm and one linear layer back
 * ({@code patch_out.norm [dim]}, {@code patch_out [width, dim]}) that predicts the patch's noise ε.
 */
public final class LinearPatches extends NamedComponent implements PatchCodec {
    private final Linear in;
    private final RmsNorm outNorm;
    private final Linear out;

    public LinearPatches(Parameters params, int width, int dim, float eps, float std) {
        super("patch");
        this.in = new Linear(params, "patch_in", width, dim, std);
        this.outNorm = new RmsNorm(params, "patch_out.norm", dim, eps);
        this.out = new Linear(params, "patch_out", dim, width, std);
    }

    /** {@code [P, dim]} from noised patches {@code [P, width]}; t is added by the model, after this layer (§3.4). */
    @Override
    public Encoded encode(Graph g, Var patches, Var time) {
        return new Encoded(in.forward(g, patches), java.util.List.of(), time, (int) time.value().shape().dim(0));
    }

    /** The noise prediction {@code [P, width]} from the trunk's hidden states at the patch positions {@code [P, dim]}. */
    @Override
    public Var decode(Graph g, Var hidden, Encoded encoded) {
        return out.forward(g, outNorm.forward(g, hidden));
    }
}
