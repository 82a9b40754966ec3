package io.fusion4j.eval.cli;

import io.fusion4j.api.train.Trainer;

import java.util.concurrent.CountDownLatch;

/**
 * Ctrl-C during a training run: a shutdown hook asks the trainer to stop at the next step boundary (it writes a
 * checkpoint) and holds the JVM until {@link #close()} says the run has returned. Closing removes the hook. The same
 * for any long work that can be asked to stop ({@link #install(Runnable)}: the evaluation suite between its steps).
 */
final class StopOnShutdown implements AutoCloseable {
    private final CountDownLatch done = new CountDownLatch(1);
    private final Thread hook;

    private StopOnShutdown(Runnable requestStop) {
        hook = new Thread(() -> {
            requestStop.run();
            try {
                done.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    /** Installs the hook for {@code trainer}; close it when the run has returned or failed. */
    static StopOnShutdown install(Trainer<?> trainer) {
        return install(trainer::requestStop);
    }

    /** Installs a hook that calls {@code requestStop}; close it when the work has returned or failed. */
    static StopOnShutdown install(Runnable requestStop) {
        StopOnShutdown s = new StopOnShutdown(requestStop);
        Runtime.getRuntime().addShutdownHook(s.hook);
        return s;
    }

    @Override
    public void close() {
        done.countDown();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is already running (Ctrl-C): it is waiting for the latch just released
        }
    }
}
