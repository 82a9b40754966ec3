package io.fusion4j.moma;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fusion4j.api.UserInputException;
import io.fusion4j.api.autograd.Parameters;
import io.fusion4j.api.router.RouterContext;
import io.fusion4j.api.router.RouterProvider;
import io.fusion4j.api.router.RouterSpec;
import io.fusion4j.api.router.Routers;
import org.junit.jupiter.api.Test;

/** The module path's {@link java.util.ServiceLoader} finds moma's four routers, and a bad spec names what exists. */
class RouterDiscoveryTest {
    @Test
    void serviceLoaderFindsTheFourRouters() {
        Routers routers = Routers.discover();
        assertThat(routers.providers()).extracting(RouterProvider::name)
                .containsExactly("depth", "expert-choice", "modality", "token-choice");
    }

    @Test
    void anUnknownRouterOrOptionListsWhatExists() {
        Routers routers = Routers.discover();
        RouterContext ctx = new RouterContext(new Parameters(), "r", 4, 2, 0, 0.02f, routers);
        assertThatThrownBy(() -> routers.create(RouterSpec.of("expert-chioce"), ctx))
                .isInstanceOf(UserInputException.class).hasMessageContaining("expert-choice");
        assertThatThrownBy(() -> routers.create(RouterSpec.of("expert-choice", "capacty", 1.0), ctx))
                .isInstanceOf(UserInputException.class).hasMessageContaining("capacity");
        assertThatThrownBy(() -> routers.create(RouterSpec.of("token-choice", "k", 3), ctx))
                .isInstanceOf(UserInputException.class).hasMessageContaining("'k'");
    }
}
