package io.fusion4j.api.nn;

import io.fusion4j.api.autograd.Var;

/**
 * The feed-forward slot of a {@link TransformerBlock}: dense SwiGLU, or a mixture of experts that routes by the
 * tokens' modality through {@link ForwardPass#tokens()} and reports its auxiliary losses to
 * {@link ForwardPass#losses()}. Maps {@code x [B·T, dim]} to {@code [B·T, dim]}.
 */
public interface FeedForward extends Component {
    Var forward(ForwardPass pass, Var x);
}
