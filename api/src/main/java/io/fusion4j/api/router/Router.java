package io.fusion4j.api.router;

import io.fusion4j.api.nn.Component;

import java.util.List;

/**
 * Turns hidden states plus token layout into a {@link Routing}: which rows each expert takes and with what gate.
 * Made by a {@link RouterProvider}; its parameters (if any) live under the prefix it was created with.
 *
 * <h2>Contract every router keeps</h2>
 * <ul>
 *   <li>{@link #route} returns a {@link Routing} whose rows index the input's rows, sorted by expert, with no row twice
 *       under one expert; an expert may get no row and a row may get none, one or several experts.</li>
 *   <li>Padding (rows in no modality of {@link RouterInput#tokens()}) is never routed by a router that sees the
 *       layout, except by a depth router filling a short sequence's fixed quota, with gate 0.</li>
 *   <li>Deterministic: the same inputs, parameters and random key give the same routing, bit for bit. Training-only
 *       noise is drawn from {@link io.fusion4j.api.nn.ForwardPass#random()} and is off when the pass has none.</li>
 *   <li>Auxiliary losses (load balance, z-loss) are reported to the pass's {@link io.fusion4j.api.autograd.LossSink}
 *       as named terms, with the gradient scale the sink gives, before {@code route} returns.</li>
 *   <li>{@link #causal()} is true only when a row's routing depends on no later row (token choice); expert choice
 *       and depth routing compare rows across the batch or sequence and are not causal. Under
 *       {@link RoutingMode#causal causal routing} such a router takes membership from a per-token predictor and
 *       becomes causal for that pass; {@code causal()} describes the batch routing it was trained with.</li>
 * </ul>
 */
public interface Router extends Component {
    /** Experts this router routes to, in {@link #groups()} order. */
    int experts();

    /**
     * The experts as named groups (names the experts' parameters); their sizes sum to {@link #experts()}. A flat
     * router has one unnamed group of all its experts, the default.
     */
    default List<ExpertGroup> groups() {
        return List.of(new ExpertGroup("", experts()));
    }

    /** True when a row's routing depends only on that row (and earlier ones): one-token decoding can use it. */
    boolean causal();

    Routing route(RouterInput in);
}
