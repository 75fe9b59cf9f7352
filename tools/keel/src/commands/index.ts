/** The command table: `keel <name> …`. */
import type { Command } from './command';
import { benchBusCommand, benchStoreCommand } from './bench.command';
import { benchCoalescingCommand } from './bench-coalescing.command';
import { benchReplayCommand } from './bench-replay.command';
import { benchCodecCommand } from './bench-codec.command';
import { benchIngestCommand } from './bench-ingest.command';
import { benchOptimizerCommand } from './bench-optimizer.command';
import { benchBalancesCommand } from './bench-balances.command';
import { benchPipelineCommand } from './bench-pipeline.command';
import {
  replayArchiveCommand,
  replayCommand,
  replayPnlCommand,
  replayProjectionCommands,
} from './replay.command';
import { calendarContractsCommand, calendarHolidaysCommand, calendarStateCommand } from './calendar.command';
import { contractAsyncApiCommand } from './contract.command';
import { contractOpenApiCommand } from './contract-openapi.command';
import { rollSimCommand } from './roll-sim.command';
import { startCommand } from './start.command';
import { demoCommand } from './demo.command';
import { twapSimCommand } from './twap-sim.command';
import { contractCheckCommand, contractReleaseCommand } from './contract-release.command';
import { modelMaCrossCommand } from './model.command';
import {
  killEngageCommand,
  killReleaseCommand,
  killSwitchOffCommand,
  killSwitchOnCommand,
} from './kill.command';
import { sessionsStopAllCommand, sessionsTradeAllCommand } from './sessions.command';
import { statusCommand } from './status.command';

export const COMMANDS: Readonly<Record<string, Command>> = {
  demo: demoCommand,
  start: startCommand,
  'bench store': benchStoreCommand,
  'bench bus': benchBusCommand,
  'bench coalescing': benchCoalescingCommand,
  'bench codec': benchCodecCommand,
  'bench ingest': benchIngestCommand,
  'bench optimizer': benchOptimizerCommand,
  'bench balances': benchBalancesCommand,
  'bench pipeline': benchPipelineCommand,
  'calendar contracts': calendarContractsCommand,
  'calendar holidays': calendarHolidaysCommand,
  'calendar state': calendarStateCommand,
  'contract asyncapi': contractAsyncApiCommand,
  'contract openapi': contractOpenApiCommand,
  'twap-sim': twapSimCommand,
  'roll-sim': rollSimCommand,
  'bench replay': benchReplayCommand,
  'replay pnl': replayPnlCommand,
  'replay archive': replayArchiveCommand,
  ...replayProjectionCommands,
  replay: replayCommand,
  'contract release': contractReleaseCommand,
  'contract check': contractCheckCommand,
  'model ma-cross': modelMaCrossCommand,
  'kill engage': killEngageCommand,
  'kill release': killReleaseCommand,
  'kill-switch on': killSwitchOnCommand,
  'kill-switch off': killSwitchOffCommand,
  'sessions trade-all': sessionsTradeAllCommand,
  'sessions stop-all': sessionsStopAllCommand,
  status: statusCommand,
};
