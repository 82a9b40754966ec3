package io.fusion4j.transfusion;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.Var;

import java.util.List;

/**
 * Transfusion's patch encoder and decoder (transfusion.md §1.2): between a batch's noised patch vectors
 * {@code [N·P, width]} (N images of P patches each, image after image, each image's patches in raster order) and the
 * trunk's rows at those positions {@code [N·P, dim]}, and back to the noise prediction {@code [N·P, width]}. Encoding
 * returns what decoding needs besides the trunk's output (the U-Net's long skips), so one image's state never
 * outlives the graph that made it.
 */
public interface PatchCodec {
    /** {@value #LINEAR}: one linear layer each way; {@value #UNET}: conv down and up blocks with long skips. */
    String LINEAR = "linear";
    String UNET = "unet";

    /**
     * The trunk input at the image rows and the state decoding reads.
     *
     * @param rows  {@code [N·P, dim]}, the timestep embedding not yet added
     * @param skips the down path's activations, full resolution first (empty for the linear codec)
     * @param time  the timestep embedding {@code [N, dim]} the encoder saw
     */
    record Encoded(Var rows, List<Var> skips, Var time, int images) {
    }

    /**
     * @param patches noised patches {@code [N·P, width]}
     * @param time    each image's timestep embedding {@code [N, dim]}
     */
    Encoded encode(Graph g, Var patches, Var time);

    /** The noise prediction {@code [N·P, width]} from the trunk's hidden states at the image rows {@code [N·P, dim]}. */
    Var decode(Graph g, Var hidden, Encoded encoded);
}
