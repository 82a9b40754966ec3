package io.fusion4j.api.nn;

import io.fusion4j.api.autograd.Var;

/**
 * One layer of a {@link Trunk}: maps the residual stream {@code [B·T, dim]} to the same shape. A
 * {@link TransformerBlock} is one; a depth-routed block that sends only some tokens through its inner block stands
 * in for one without the trunk knowing.
 */
public interface Block extends Component {
    Var forward(ForwardPass pass, Var x);

    /**
     * One new position {@code x [1, dim]} through the block, using and extending layer {@code layer}'s cache;
     * {@code pass.tokens()} describes that one position (its id, RoPE position and modality).
     */
    Var decode(ForwardPass pass, Var x, KvCache cache, int layer);
}
