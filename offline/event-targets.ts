import { basename, dirname } from 'node:path';
import { type Json, loadTemplate, resourcesOfType } from './template';

export type EventTarget = { kind: 'function' | 'state-machine'; logicalId: string };

/**
 * What an event under events/<name>/ is for, by the folder's name: the state machine defined by
 * statemachines/<name>.asl.json, else the function built from functions/<name>/.
 */
export function eventTarget(eventFile: string): EventTarget | undefined {
  const folder = basename(dirname(eventFile));
  const template = loadTemplate();
  // A workflow first: its step function shares its folder name, and its events are the workflow's input.
  for (const [logicalId, machine] of resourcesOfType(template, 'AWS::Serverless::StateMachine')) {
    if (basename(String(machine.Properties?.DefinitionUri)) === `${folder}.asl.json`)
      return { kind: 'state-machine', logicalId };
  }
  for (const [logicalId, fn] of resourcesOfType(template, 'AWS::Serverless::Function')) {
    const entries = (fn.Metadata?.BuildProperties as { EntryPoints?: Json[] } | undefined)?.EntryPoints ?? [];
    if (entries.some((entry) => String(entry).split('/')[0] === folder))
      return { kind: 'function', logicalId };
  }
  return undefined;
}
