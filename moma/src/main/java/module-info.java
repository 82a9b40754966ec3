/**
 * MoMa: modality-aware mixtures of experts, mixture of depths and the built-in routers
 * ({@code expert-choice}, {@code token-choice}, {@code modality}, {@code depth}), on the seams {@code api} defines.
 */
module io.fusion4j.moma {
    requires transitive io.fusion4j.api;

    exports io.fusion4j.moma;
    exports io.fusion4j.moma.routing;
    exports io.fusion4j.moma.vq;
    exports io.fusion4j.moma.auxiliary;

    provides io.fusion4j.api.router.RouterProvider with
            io.fusion4j.moma.routing.ExpertChoiceProvider,
            io.fusion4j.moma.routing.TokenChoiceProvider,
            io.fusion4j.moma.routing.ModalityProvider,
            io.fusion4j.moma.routing.DepthProvider;
}
