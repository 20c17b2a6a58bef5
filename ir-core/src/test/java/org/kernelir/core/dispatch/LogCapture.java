package org.kernelir.core.dispatch;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * Records what one class logs while open: {@code try (var log = LogCapture.of(Dispatcher.class)) {...}}.
 * Closing it detaches the appender, so captures never leak between tests.
 */
public final class LogCapture implements AutoCloseable {

    private final Logger logger;
    private final Level previousLevel;
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    private LogCapture(Class<?> source, Level level) {
        this.logger = (Logger) LoggerFactory.getLogger(source);
        this.previousLevel = logger.getLevel();
        if (level != null) {
            logger.setLevel(level);
        }
        appender.start();
        logger.addAppender(appender);
    }

    /** Starts capturing the logger of {@code source} at its configured level. */
    public static LogCapture of(Class<?> source) {
        return new LogCapture(source, null);
    }

    /** Starts capturing the logger of {@code source}, lowered to {@code level} until closed. */
    public static LogCapture of(Class<?> source, Level level) {
        return new LogCapture(source, level);
    }

    /** The formatted messages logged at {@code level}, in order. */
    public List<String> messages(Level level) {
        return appender.list.stream().filter(e -> e.getLevel() == level).map(ILoggingEvent::getFormattedMessage)
                .toList();
    }

    /** The warnings, in order. */
    public List<String> warnings() {
        return messages(Level.WARN);
    }

    @Override
    public void close() {
        logger.detachAppender(appender);
        logger.setLevel(previousLevel);
        appender.stop();
    }
}
