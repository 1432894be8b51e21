import { PassThrough } from 'node:stream';
import pino from 'pino';
import { humanLogStream, loggerOptions } from './logging';
import type { AppConfig } from '../config/config';

const config = { logLevel: 'info' } as AppConfig;

function linesOf(stream: PassThrough): string[] {
  return String(stream.read() ?? '')
    .split('\n')
    .filter(Boolean);
}

describe('logs', () => {
  it('are JSON lines when stdout is not a terminal', () => {
    const { pinoHttp } = loggerOptions(config, false);
    expect(Array.isArray(pinoHttp)).toBe(false);
  });

  it('are one readable line per entry at a terminal, without Nest start-up chatter', () => {
    const { pinoHttp } = loggerOptions(config, true);
    const [options] = pinoHttp as [pino.LoggerOptions, unknown];
    const out = new PassThrough();
    const logger = pino(options, humanLogStream(out, false));
    logger.info({ context: 'InstanceLoader' }, 'AppModule dependencies initialized');
    logger.info({ context: 'PartitionMaintenance' }, 'created partitions');
    logger.warn({ context: 'InstanceLoader' }, 'a warning is kept');
    const lines = linesOf(out);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: \[PartitionMaintenance\] created partitions$/);
    expect(lines[1]).toMatch(/WARN: \[InstanceLoader\] a warning is kept$/);
  });
});
