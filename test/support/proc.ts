import { readFileSync } from 'node:fs'

/** The fields of a /proc stat line after the command's name (which may hold spaces and parentheses): [0] is the state, [1] the parent's pid. */
export const statFields = (stat: string): string[] => stat.slice(stat.lastIndexOf(')') + 2).split(' ')

/** Minor page faults of a process on this machine so far (minflt of /proc/<pid>/stat). */
export const minorFaults = (pid: number): number => Number(statFields(readFileSync(`/proc/${pid}/stat`, 'utf8'))[7])
