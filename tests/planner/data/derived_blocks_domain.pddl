; Blocksworld with PDDL 2.2 derived predicates (vlaplan test data).
; (covered ?x) replaces the usual (clear ?x) and is read negatively in the preconditions;
; (free ?x) is its negation, one stratum up; (above ?x ?y) is the transitive closure of (on ?x ?y).
(define (domain derived-blocks)
  (:requirements :strips :typing :negative-preconditions :existential-preconditions
                 :derived-predicates)
  (:types block)
  (:predicates (on ?x - block ?y - block)
               (ontable ?x - block)
               (holding ?x - block)
               (handempty)
               (covered ?x - block)
               (free ?x - block)
               (above ?x - block ?y - block))

  (:derived (covered ?x - block) (exists (?y - block) (on ?y ?x)))

  (:derived (free ?x - block) (not (covered ?x)))

  (:derived (above ?x - block ?y - block) (on ?x ?y))

  (:derived (above ?x - block ?y - block)
    (exists (?z - block) (and (on ?x ?z) (above ?z ?y))))

  (:action pick-up
    :parameters (?x - block)
    :precondition (and (ontable ?x) (not (covered ?x)) (handempty))
    :effect (and (holding ?x) (not (ontable ?x)) (not (handempty))))

  (:action put-down
    :parameters (?x - block)
    :precondition (holding ?x)
    :effect (and (ontable ?x) (handempty) (not (holding ?x))))

  (:action stack
    :parameters (?x - block ?y - block)
    :precondition (and (holding ?x) (free ?y))
    :effect (and (on ?x ?y) (handempty) (not (holding ?x))))

  (:action unstack
    :parameters (?x - block ?y - block)
    :precondition (and (on ?x ?y) (not (covered ?x)) (handempty))
    :effect (and (holding ?x) (not (on ?x ?y)) (not (handempty)))))
